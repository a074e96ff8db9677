"""The training lab's engine: HW3's CNN workflow on scikit-learn's 8×8 digits.

`data` (the split), `transforms` (train_tfm / test_tfm), `models` (Classifier, MLP,
the layer table), `losses` (one definition per loss name), `loop` (the one training loop
of the project, `fit`, with its hooks), `train` (the lab's run: config, records, bounds,
trained through `fit` with `optim_lab.torch_optim.LabOptimizer`), `codegen` (the standalone script of a run),
`presets` (the engine-level configs of the page's presets).  Pure: torch, numpy,
scikit-learn and the standard library only.
"""
