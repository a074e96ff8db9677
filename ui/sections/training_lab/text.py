"""HW3 training lab: the CNN workflow on real digits, trained live with the chapter's optimizers."""

EN = {
    "page_training-lab": "Training lab: HW3's CNN",
    "q_training-lab": "How do the chapter's optimizers, batch size, BN and the loss behave on a real network?",
    "tl_intro": (
        "HW3 trains a CNN on **food-11** photos (11 classes, 9 866 training images of 128×128; one epoch of its "
        "Classifier takes tens of minutes on a CPU). This lab keeps HW3's workflow and names — `train_tfm` / `test_tfm`, "
        "`Classifier`, training set / validation set / test set, `model.train()` / `model.eval()` — on the **1 797 real "
        "8×8 handwritten digits** bundled with scikit-learn, which are small enough to train live on a shared server. "
        "Up to 4 runs train side by side from the **same initial weights** and, for the same batch size, the **same batches**."
    ),
    "tl_runs": "Runs to compare",
    "tl_run_n": "Run {i}",
    "tl_bn": "BatchNorm (BN)",
    "tl_no_bn": "no BN",
    "tl_batch": "Batch size B",
    "tl_full": "full ({n})",
    "tl_loss": "Loss",
    "tl_loss_ce": "cross-entropy",
    "tl_loss_mse": "MSE on softmax",
    "tl_mse_book": "MSE (the book's: summed over the classes)",
    "tl_fit_epochs": (
        "{run}: at B = {b} an epoch is {per_epoch} updates, so {asked} epochs would be {total}. A run on this page makes at "
        "most {max} updates (it must end within seconds on a shared server), so this run trains {e} epochs."
    ),
    "tl_bn_batch_of_one": (
        "{run} cannot train: BatchNorm1d needs at least 2 samples in every batch, and {n} samples in batches of {b} leave "
        "a batch of 1. Choose another batch size for it or turn its BN off; the other runs train."
    ),
    "tl_cannot_train": "{run} cannot train with these settings ({error}); the other runs train.",
    "tl_muon_split": (
        "{run}: Muon is made for the weight matrices of hidden layers, so here it steps {muon_n} tensors ({muon_p:,} "
        "weights): {muon_what}. AdamW steps the other {adamw_n} ({adamw_p:,} weights): {adamw_what}. AdamW's settings are "
        "those of torch.optim.Muon's documentation: η = {lr:g} on this run's schedule, weight decay {wd:g}, β₁ = 0.9, "
        "β₂ = 0.999 (the same example gives Muon η = 0.02)."
    ),
    "tl_mu_kernels": "the convolution kernels ({n}, each as the matrix out × in·k·k, as Muon's authors do)",
    "tl_mu_matrices": "the hidden fully connected layers' weight matrices ({n})",
    "tl_aw_biases": "the biases ({n})",
    "tl_aw_bn": "BN's γ and β ({n})",
    "tl_aw_head": "the output layer ({n}, as Muon's authors advise)",
    "tl_list_sep": ", ",
    "tl_no_runs": "No run can train with these settings: see the note of each run above.",
    # step 1
    "tl_s1": "1 · Libraries",
    "tl_s1_text": "What each import is for (HW3 imports the same, plus torchvision for its image transforms).",
    "tl_imports": (
        "import argparse                      # the script's options mirror the page's settings\n"
        "import math                          # updates per epoch = ceil(N / B)\n"
        "import numpy as np                   # the digits arrive as numpy arrays\n"
        "import torch                         # tensors, autograd, torch.manual_seed\n"
        "import torch.nn.functional as F      # cross_entropy, softmax, affine_grid + grid_sample (augmentation)\n"
        "from torch import nn                 # Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear: the Classifier\n"
        "from sklearn.datasets import load_digits                # 1 797 real 8×8 digits, shipped with scikit-learn\n"
        "from sklearn.model_selection import train_test_split   # seeded, stratified training / validation / test split\n"
        "# HW3 also imports torchvision.transforms, Dataset/DataLoader, PIL and tqdm: see the note below\n"
    ),
    "tl_s1_torchvision": (
        "Where HW3 uses torchvision's `RandomAffine`, `Normalize` and `Compose`, this lab writes the same transforms in a "
        "few lines of plain torch (`affine_grid` + `grid_sample`) and uses them the way HW3 does: the digits need nothing "
        "else, and the script of step 5 then runs with torch and scikit-learn alone."
    ),
    # step 2
    "tl_s2": "2 · Data",
    "tl_s2_text": "A seeded, stratified split: training set {train}, validation set {val}, held-back test set {test} (for step 7). Each image is 8×8 with pixels 0…16, scaled to [0, 1].",
    "tl_samples": "Training samples (a stratified subset)",
    "tl_augment": "Augmentation (train_tfm)",
    "tl_augment_help": "RandomAffine in train_tfm: random shifts up to ±10 % of the side and rotations up to ±10°, new for every batch.",
    "tl_normalize": "Normalization (z-score, §3.7)",
    "tl_normalize_help": "Normalize in train_tfm and test_tfm: (x − mean) / std with the training set's pixel statistics.",
    "tl_samples_title": "Samples of the training set with their labels",
    "tl_counts_title": "Images per class",
    "tl_hist_title": "Pixel values: raw vs normalized",
    "tl_hist_raw": "raw x",
    "tl_hist_norm": "normalized (x − {mean:.3f}) / {std:.3f}",
    "tl_aug_title": "train_tfm applied 8 times to one image",
    "tl_aug_off": "Augmentation is off: train_tfm only normalizes (turn it on above to see random shifts and rotations).",
    "tl_class": "class",
    "tl_count": "images",
    "tl_pixel": "pixel value",
    "tl_pixel_count": "pixels (log scale)",
    # step 3
    "tl_s3": "3 · Model",
    "tl_model": "Network",
    "tl_model_cnn": "CNN (HW3's Classifier)",
    "tl_model_mlp": "MLP (fully connected)",
    "tl_width_cnn": "Width (channels, first block)",
    "tl_width_help": "Channels double from block to block, as in HW3 (64 → 128 → 256 …).",
    "tl_width_mlp": "Width (units per layer)",
    "tl_blocks": "Conv blocks",
    "tl_blocks_help": "Each block is Conv2d(3×3) → BatchNorm2d → ReLU → MaxPool2d(2), as in HW3; each halves the image, so 8×8 fits at most 3.",
    "tl_depth": "Hidden layers",
    "tl_activation": "Activation",
    "tl_residual": "Residual (HW3 Q2)",
    "tl_residual_help": "Each block adds its input to its output (a basic residual block): HW3's report question 2.",
    "tl_layers_of": "Layers of run {i} ({params} parameters)",
    "tl_col_layer": "layer",
    "tl_col_type": "type",
    "tl_col_shape": "output shape",
    "tl_col_params": "parameters",
    "tl_params_per_run": "Parameters per run: {items}",
    # step 4
    "tl_s4": "4 · Loss & optimizer",
    "tl_s4_text": "Each run's optimizer is one of the 2-D pages' optimizers and moves the network's weights with the same update (as a `torch.optim.Optimizer`). Choose it, its hyper-parameters and its learning-rate schedule in the sidebar.",
    "tl_clip": "Gradient clipping (clip_grad_norm_)",
    "tl_clip_value": "max_norm",
    "tl_wd_note": "weight decay {wd:g} (L2 term added to g, as torch.optim does)",
    "tl_wd_note_decoupled": "weight decay {wd:g}, decoupled (AdamW-style): θ is multiplied by (1 − η·{wd:g}) before the step",
    # step 5
    "tl_s5": "5 · Train",
    "tl_epochs": "Epochs",
    "tl_seed": "Seed (initial weights and batch order)",
    "tl_xaxis": "x-axis",
    "tl_by_epochs": "epochs",
    "tl_by_updates": "updates",
    "tl_stop": "⏹ Stop",
    "tl_restart": "▶ Train again",
    "tl_stopped_note": "Stopped for you: a run nobody else is waiting for stops now. The curves show what it trained until then.",
    "tl_diverged": "{name} diverged at epoch {e} (update {k}).",
    "tl_diverged_short": "diverged at epoch {e} (update {k})",
    "tl_updates_per_epoch": "Updates per epoch: {items}",
    "tl_loss_axis": "loss",
    "tl_acc_axis": "accuracy",
    "tl_train": "train",
    "tl_val": "validation",
    "tl_test": "test",
    "tl_epoch": "epoch",
    "tl_update": "update",
    "tl_batch_loss": "batch loss",
    "tl_curves_title": "Loss and accuracy (solid: validation, dashed: training)",
    # step 6
    "tl_s6": "6 · Evaluate",
    "tl_acc_table": "Accuracy per run (model.eval(), validation set)",
    "tl_col_run": "run",
    "tl_col_train_loss": "train loss",
    "tl_col_train_acc": "train acc",
    "tl_col_val_loss": "val loss",
    "tl_col_val_acc": "val acc",
    "tl_col_best": "best epoch (HW3's checkpoint)",
    "tl_col_updates": "updates",
    "tl_col_time": "s/epoch",
    "tl_col_note": "note",
    "tl_wait_for_runs": "Shown once a run has finished training (step 5).",
    "tl_confusion_of": "Confusion matrix of",
    "tl_true": "true digit",
    "tl_pred": "predicted digit",
    "tl_wrong_title": "Misclassified validation images of {name} ({n} of {total}), with every run's softmax",
    "tl_none_wrong": "{name} classifies every validation image correctly.",
    "tl_wrong_pick": "Misclassified image (in the order above)",
    "tl_bn_pitfall": "BN pitfall: evaluating with model.train() by mistake",
    "tl_bn_pitfall_text": (
        "With `model.train()`, BN normalizes each evaluation batch with that batch's own mean and variance instead of the "
        "running averages learned in training — and the prediction for an image then depends on the other images in its batch. "
        "The smaller the batch, the noisier those statistics: the accuracy changes (it can even rise when the running "
        "averages still lag behind the weights, after few epochs at a large η)."
    ),
    "tl_mode_eval": "model.eval() (right)",
    "tl_mode_train": "model.train(), batch {b}",
    "tl_no_bn_runs": "No run uses BN: train and eval mode give the same numbers.",
    # step 7
    "tl_s7": "7 · Predict",
    "tl_source": "Image",
    "tl_source_test": "a held-back test image",
    "tl_source_draw": "draw a digit",
    "tl_test_index": "Test image #",
    "tl_draw_hint": "Draw one digit (thick strokes, fill the box). It is cropped, resized to 32×32 and counted in 4×4 blocks into 8×8 pixels 0…16 — how the data set was made — then test_tfm is applied.",
    "tl_draw_empty": "Draw a digit in the box to see each run's prediction.",
    "tl_clear": "Clear",
    "tl_input_8x8": "what the networks see (8×8)",
    "tl_probs_title": "Softmax probabilities of each run",
    "tl_prob": "probability",
    "tl_label_true": "true label: {y}",
    # BN view
    "tl_bnview": "Inside: pre-activations with and without BN",
    "tl_bnview_text": (
        "The distribution (2 %, 16 %, 50 %, 84 %, 98 % quantiles over the validation set) of the values entering the last "
        "block's ReLU, after every epoch. With BN they stay centred with unit scale; without BN their scale drifts as the "
        "weights train. The book motivates BN with *internal covariate shift*, but Santurkar et al. (2018, “How does batch "
        "normalization help optimization?”) found that BN helps even when the shift is added back on purpose: its benefit "
        "is mostly a smoother error surface (gradients that change less), which allows larger learning rates."
    ),
    "tl_preact": "pre-activation",
    "tl_bnview_pair_off": "Compare: train run {i} once more with BN off",
    "tl_bnview_pair_on": "Compare: train run {i} once more with BN on",
    # code
    "tl_code": "The code for this run",
    "tl_code_text": "A standalone PyTorch script (torch + scikit-learn only) with these settings as its defaults. Run on its own it prints this run's numbers, epoch by epoch. It writes the chosen optimizer's update out in a few lines (it cannot import this app); a test proves it equal to the app's.",
    "tl_code_of": "Script of",
    "tl_download": "Download the script",
    "tl_code_language": "The script's names and comments are in English, as in HW3's sample code.",
    "tl_code_none_muon": (
        "No script for a Muon run yet. A script here writes out one optimizer's update in the app's own operations, so that "
        "it prints exactly the app's numbers; a Muon run steps with two (Muon for the weight matrices and convolution "
        "kernels, AdamW for the rest), and torch.optim.Muon itself takes no convolution kernels (2-D parameters only)."
    ),
    "tl_code_none": "No script for this run: its update uses {why}, which the script does not write out yet. The script "
                    "covers the book's optimizers and torch's classic ones, each written out so that it prints exactly the "
                    "app's numbers.",
    # presets
    "preset_tl_optimizers": "SGD vs momentum vs Adam",
    "preset_tl_bn-sgd": "BN lets plain SGD train fast",
    "preset_tl_batch-size": "Batch 8 vs 64 vs full",
    "preset_tl_warmup": "Adam at a large η: warm-up",
    "preset_tl_mse-vs-ce": "MSE vs cross-entropy on the CNN",
    "preset_tl_hw3": "HW3's sample settings",
    "note_tl_optimizers": "Same η = 0.01 for SGD and momentum: momentum ends with a training loss tens of times lower. Adam (η = 0.001) is quickest in the first epochs.",
    "note_tl_bn-sgd": "Same SGD, same η = 0.1, same initial weights: with BN the training loss after 3 epochs is several times lower than without.",
    "note_tl_batch-size": "Switch the x-axis between epochs and updates. Per epoch B = 8 is far ahead (169 updates per epoch against 22 and 1); per update B = 64 is ahead (each update sees 8× more data).",
    "note_tl_warmup": "Without warm-up, Adam at η = 0.1 throws the network off in its first updates (batch losses near 20); with a 44-update linear warm-up and cosine decay it trains to a training loss far lower.",
    "note_tl_mse-vs-ce": "Plain SGD, no BN: cross-entropy learns, MSE on softmax barely moves — the flat region of §3.6, now on a real network.",
    "note_tl_hw3": "HW3's sample code: Adam (η = 3·10⁻⁴, weight decay 10⁻⁵), clip_grad_norm_(max_norm = 10), batch 64. It keeps the best epoch's checkpoint by validation accuracy.",
}

ZH = {
    "page_training-lab": "训练实验室：HW3 的 CNN",
    "q_training-lab": "本章的优化器、批量大小、批量归一化和损失函数，在真实网络上表现如何？",
    "tl_intro": (
        "HW3 在 **food-11** 照片上训练 CNN（11 类，训练集 9 866 张 128×128 图片；它的 Classifier 在 CPU 上训练一个回合要几十分钟）。"
        "本实验室保留 HW3 的流程和命名——`train_tfm` / `test_tfm`、`Classifier`、训练集 / 验证集 / 测试集、`model.train()` / `model.eval()`——"
        "改用 scikit-learn 自带的 **1 797 张真实 8×8 手写数字**，小到可以在共享服务器上现场训练。"
        "最多 4 组并排训练：它们的**初始权重相同**；批量大小相同的各组，每次更新用的**批量也完全相同**。"
    ),
    "tl_runs": "对比的训练组数",
    "tl_run_n": "训练 {i}",
    "tl_bn": "批量归一化（BN）",
    "tl_no_bn": "无 BN",
    "tl_batch": "批量大小 B",
    "tl_full": "全批量（{n}）",
    "tl_loss": "损失函数",
    "tl_loss_ce": "交叉熵",
    "tl_loss_mse": "softmax 输出上的均方误差",
    "tl_mse_book": "均方误差（书中约定：对类别求和）",
    "tl_fit_epochs": (
        "{run}：B = {b} 时每个回合有 {per_epoch} 次更新，{asked} 个回合就是 {total} 次。本页每组最多更新 {max} 次"
        "（共享服务器上的一次训练要在几秒内结束），所以这一组只训练 {e} 个回合。"
    ),
    "tl_bn_batch_of_one": (
        "{run}无法训练：BatchNorm1d 要求每个批量至少有 2 个样本，而 {n} 个样本按每批 {b} 个划分，会剩下只有 1 个样本的批量。"
        "请给这一组换一个批量大小，或关闭它的 BN；其他各组照常训练。"
    ),
    "tl_cannot_train": "{run}无法用这些设置训练（{error}）；其他各组照常训练。",
    "tl_muon_split": (
        "{run}：Muon 是为隐藏层的权重矩阵设计的，所以这里它更新 {muon_n} 个张量（{muon_p:,} 个权重）：{muon_what}。"
        "其余 {adamw_n} 个张量（{adamw_p:,} 个权重）由 AdamW 更新：{adamw_what}。AdamW 的设置取自 torch.optim.Muon 的文档："
        "学习率 η = {lr:g}，沿用这一组的学习率调度，权重衰减 {wd:g}，β₁ = 0.9，β₂ = 0.999（同一示例给 Muon 的 η = 0.02）。"
    ),
    "tl_mu_kernels": "卷积核（{n} 个，与 Muon 的作者一样，每个当作 out × in·k·k 的矩阵）",
    "tl_mu_matrices": "隐藏全连接层的权重矩阵（{n} 个）",
    "tl_aw_biases": "偏置（{n} 个）",
    "tl_aw_bn": "BN 的 γ 和 β（{n} 个）",
    "tl_aw_head": "输出层（{n} 个，按 Muon 作者的建议）",
    "tl_list_sep": "、",
    "tl_no_runs": "按这些设置，没有一组能够训练：请看上方每一组的说明。",
    "tl_s1": "1 · 导入库",
    "tl_s1_text": "每个导入的用途（HW3 导入的也是这些，另加 torchvision 做图像变换）。",
    "tl_imports": (
        "import argparse                      # 脚本的命令行选项与本页的设置一一对应\n"
        "import math                          # 每个回合的更新次数 = ceil(N / B)\n"
        "import numpy as np                   # 手写数字数据以 numpy 数组的形式给出\n"
        "import torch                         # 张量、自动求导、torch.manual_seed\n"
        "import torch.nn.functional as F      # cross_entropy、softmax、affine_grid + grid_sample（数据增强）\n"
        "from torch import nn                 # Conv2d、BatchNorm2d、ReLU、MaxPool2d、Linear：组成 Classifier\n"
        "from sklearn.datasets import load_digits                # scikit-learn 自带的 1 797 张真实 8×8 手写数字\n"
        "from sklearn.model_selection import train_test_split   # 带随机种子的分层划分：训练集 / 验证集 / 测试集\n"
        "# HW3 还导入了 torchvision.transforms、Dataset/DataLoader、PIL 和 tqdm：见下方说明\n"
    ),
    "tl_s1_torchvision": (
        "HW3 用 torchvision 的 `RandomAffine`、`Normalize` 和 `Compose` 做图像变换；本实验室用几行纯 torch 代码"
        "（`affine_grid` + `grid_sample`）写出同样的变换，用法与 HW3 相同。手写数字不需要别的库，第 5 步的脚本因此只依赖 torch 和 scikit-learn。"
    ),
    "tl_s2": "2 · 数据",
    "tl_s2_text": "带随机种子的分层划分：训练集 {train} 张、验证集 {val} 张、留作第 7 步的测试集 {test} 张。每张图 8×8，像素 0…16，缩放到 [0, 1]。",
    "tl_samples": "训练样本数（分层抽取的子集）",
    "tl_augment": "数据增强（train_tfm）",
    "tl_augment_help": "train_tfm 中的 RandomAffine：每个批量重新随机平移（最多边长的 ±10 %）并旋转（最多 ±10°）。",
    "tl_normalize": "归一化（z 分数，§3.7）",
    "tl_normalize_help": "train_tfm 与 test_tfm 中的 Normalize：用训练集像素的均值和标准差计算 (x − 均值) / 标准差。",
    "tl_samples_title": "训练集样本及其标签",
    "tl_counts_title": "每类图片数",
    "tl_hist_title": "像素值：原始 vs 归一化",
    "tl_hist_raw": "原始 x",
    "tl_hist_norm": "归一化 (x − {mean:.3f}) / {std:.3f}",
    "tl_aug_title": "对同一张图施加 8 次 train_tfm",
    "tl_aug_off": "数据增强已关闭：train_tfm 只做归一化（在上方打开即可看到随机平移和旋转）。",
    "tl_class": "类别",
    "tl_count": "图片数",
    "tl_pixel": "像素值",
    "tl_pixel_count": "像素个数（对数刻度）",
    "tl_s3": "3 · 模型",
    "tl_model": "网络",
    "tl_model_cnn": "CNN（HW3 的 Classifier）",
    "tl_model_mlp": "MLP（全连接）",
    "tl_width_cnn": "宽度（第一块的通道数）",
    "tl_width_help": "通道数逐块翻倍，与 HW3 相同（64 → 128 → 256 …）。",
    "tl_width_mlp": "宽度（每层神经元数）",
    "tl_blocks": "卷积块数",
    "tl_blocks_help": "每块是 Conv2d(3×3) → BatchNorm2d → ReLU → MaxPool2d(2)，与 HW3 相同；每块把图像边长减半，所以 8×8 最多放 3 块。",
    "tl_depth": "隐藏层数",
    "tl_activation": "激活函数",
    "tl_residual": "残差连接（HW3 第 2 题）",
    "tl_residual_help": "每块把输入加到输出上（基本残差块）：HW3 报告第 2 题。",
    "tl_layers_of": "训练 {i} 的各层（{params} 个参数）",
    "tl_col_layer": "层",
    "tl_col_type": "类型",
    "tl_col_shape": "输出形状",
    "tl_col_params": "参数个数",
    "tl_params_per_run": "各组参数个数：{items}",
    "tl_s4": "4 · 损失函数与优化器",
    "tl_s4_text": "每组的优化器就是二维页面上的那些优化器，用同一个更新式（写成 `torch.optim.Optimizer`）更新网络的权重。优化器、它的超参数和学习率调度都在侧边栏里选择。",
    "tl_clip": "梯度裁剪（clip_grad_norm_）",
    "tl_clip_value": "max_norm",
    "tl_wd_note": "权重衰减 {wd:g}（与 torch.optim 一样，把 L2 项加到 g 上）",
    "tl_wd_note_decoupled": "权重衰减 {wd:g}，解耦（AdamW 式）：更新前先把 θ 乘以 (1 − η·{wd:g})",
    "tl_s5": "5 · 训练",
    "tl_epochs": "训练回合数（epoch）",
    "tl_seed": "随机种子（初始权重与批量顺序）",
    "tl_xaxis": "横轴",
    "tl_by_epochs": "回合数（epoch）",
    "tl_by_updates": "更新次数",
    "tl_stop": "⏹ 停止",
    "tl_restart": "▶ 重新训练",
    "tl_stopped_note": "已为你停止：没有其他人在等的训练会就此停下。曲线显示它停下之前训练的结果。",
    "tl_diverged": "{name} 在第 {e} 回合（第 {k} 次更新）发散。",
    "tl_diverged_short": "在第 {e} 回合（第 {k} 次更新）发散",
    "tl_updates_per_epoch": "每回合更新次数：{items}",
    "tl_loss_axis": "损失",
    "tl_acc_axis": "准确率",
    "tl_train": "训练集",
    "tl_val": "验证集",
    "tl_test": "测试集",
    "tl_epoch": "回合（epoch）",
    "tl_update": "更新次数",
    "tl_batch_loss": "批量损失",
    "tl_curves_title": "损失与准确率（实线：验证集，虚线：训练集）",
    "tl_s6": "6 · 评估",
    "tl_acc_table": "各组准确率（model.eval()，验证集）",
    "tl_col_run": "训练",
    "tl_col_train_loss": "训练损失",
    "tl_col_train_acc": "训练准确率",
    "tl_col_val_loss": "验证损失",
    "tl_col_val_acc": "验证准确率",
    "tl_col_best": "最佳回合（HW3 保存的检查点）",
    "tl_col_updates": "更新次数",
    "tl_col_time": "秒/回合",
    "tl_col_note": "说明",
    "tl_wait_for_runs": "有一组训练完成后（第 5 步），这里就会显示结果。",
    "tl_confusion_of": "混淆矩阵：",
    "tl_true": "真实数字",
    "tl_pred": "预测数字",
    "tl_wrong_title": "{name} 分错的验证集图片（{total} 张中的 {n} 张），以及每组的 softmax",
    "tl_none_wrong": "{name} 把验证集全部分对了。",
    "tl_wrong_pick": "分错的图片（按上面的顺序）",
    "tl_bn_pitfall": "BN 的陷阱：误用 model.train() 做评估",
    "tl_bn_pitfall_text": (
        "在 `model.train()` 模式下，BN 用每个评估批量自己的均值和方差做归一化，而不是训练中学到的滑动平均——"
        "于是一张图的预测取决于同批量里的其他图。批量越小，这些统计量越不稳定：准确率随之改变"
        "（在大学习率下只训练了几个回合、滑动平均还跟不上权重时，它甚至可能升高）。"
    ),
    "tl_mode_eval": "model.eval()（正确）",
    "tl_mode_train": "model.train()，批量 {b}",
    "tl_no_bn_runs": "没有一组使用 BN：训练模式和评估模式结果相同。",
    "tl_s7": "7 · 预测",
    "tl_source": "图片",
    "tl_source_test": "留出的测试集图片",
    "tl_source_draw": "手写一个数字",
    "tl_test_index": "测试集图片编号",
    "tl_draw_hint": "写一个数字（笔画粗一些，写满方框）。它会被裁剪、缩放到 32×32，再按 4×4 小块计数成 8×8、像素 0…16——与数据集的制作方法相同——然后施加 test_tfm。",
    "tl_draw_empty": "在方框里写一个数字，就能看到每组的预测。",
    "tl_clear": "清除",
    "tl_input_8x8": "网络看到的输入（8×8）",
    "tl_probs_title": "每组的 softmax 概率",
    "tl_prob": "概率",
    "tl_label_true": "真实标签：{y}",
    "tl_bnview": "网络内部：有无 BN 时的预激活值",
    "tl_bnview_text": (
        "每个回合训练后，进入最后一块 ReLU 的数值在验证集上的分布（2 %、16 %、50 %、84 %、98 % 分位数）。"
        "有 BN 时它们保持居中、尺度为 1；没有 BN 时尺度随权重的训练而漂移。书中用*内部协变量偏移*来解释批量归一化（BN），"
        "但 Santurkar 等人（2018，“How does batch normalization help optimization?”）发现，即使故意把偏移加回去，BN 仍然有效："
        "它的好处主要是让误差表面更平滑（梯度变化更小），从而允许更大的学习率。"
    ),
    "tl_preact": "预激活值",
    "tl_bnview_pair_off": "对比：关闭 BN，把训练 {i} 再训练一次",
    "tl_bnview_pair_on": "对比：打开 BN，把训练 {i} 再训练一次",
    "tl_code": "本次训练的代码",
    "tl_code_text": "一个独立的 PyTorch 脚本（只需 torch 和 scikit-learn），默认参数就是当前设置。单独运行时会逐回合打印出与本页相同的数字。它把所选优化器的更新式用几行代码写了出来（它不能导入本应用）；有测试证明它与应用中的更新完全一致。",
    "tl_code_of": "脚本：",
    "tl_download": "下载脚本",
    "tl_code_language": "脚本里的变量名和注释都是英文，与 HW3 的示例代码一样；每一段做什么，见本页第 1–7 步的说明。",
    "tl_code_none_muon": (
        "Muon 的运行还没有脚本。这里的脚本用与本页相同的运算逐行写出一个优化器的更新，所以打印的数字与本页完全相同；"
        "而 Muon 的运行用两个优化器更新（权重矩阵和卷积核用 Muon，其余用 AdamW），并且 torch.optim.Muon 本身不接受卷积核"
        "（只接受二维参数）。"
    ),
    "tl_code_none": "这个运行没有脚本：它的更新用到了 {why}，脚本还没有把它写出来。脚本涵盖书中的优化器和 PyTorch 的经典优化器，"
                    "每一个都逐行写出，打印的数字与本页完全相同。",
    "preset_tl_optimizers": "SGD vs 动量 vs Adam",
    "preset_tl_bn-sgd": "BN 让普通 SGD 训练得快",
    "preset_tl_batch-size": "批量 8 vs 64 vs 全批量",
    "preset_tl_warmup": "大学习率的 Adam：预热",
    "preset_tl_mse-vs-ce": "均方误差 vs 交叉熵",
    "preset_tl_hw3": "HW3 示例代码的设置",
    "note_tl_optimizers": "SGD 和动量用相同的 η = 0.01：动量最终的训练损失低几十倍。Adam（η = 0.001）在前几个回合最快。",
    "note_tl_bn-sgd": "同样的 SGD、同样的 η = 0.1、同样的初始权重：有 BN 时 3 个回合后的训练损失比没有 BN 时低好几倍。",
    "note_tl_batch-size": "把横轴在回合数和更新次数之间切换。按回合数看，B = 8 遥遥领先（每回合 169 次更新，另两组 22 次和 1 次）；按更新次数看，B = 64 领先（每次更新看到 8 倍的数据）。",
    "note_tl_warmup": "没有预热时，η = 0.1 的 Adam 在最初几次更新就把网络打乱（批量损失接近 20）；加上 44 次更新的线性预热和余弦衰减后，训练损失低得多。",
    "note_tl_mse-vs-ce": "普通 SGD、没有 BN：交叉熵能学会，softmax 上的均方误差几乎不动——§3.6 的平坦区域，这次出现在真实网络上。",
    "note_tl_hw3": "HW3 示例代码：Adam（η = 3·10⁻⁴，权重衰减 10⁻⁵）、clip_grad_norm_(max_norm = 10)、批量 64。它按验证准确率保存最佳回合的检查点。",
}
