"""Strings of long work: jobs on the worker pool (`ui.common.jobs`)."""

EN = {
    "job_queued": "{label}waiting for a free core — place {place} in the queue",
    "job_starting": "{label}starting…",
    "job_running": "{label}computing… {done} / {total}",
    "job_failed": "{label}this computation failed: {error}",
    "job_cancelled": "{label}stopped.",
    "job_placeholder": "The result appears here as soon as it is computed — you can change settings or leave the page meanwhile.",
    "job_note": "Long computations run on the server's worker processes, one per core. A computation you leave keeps running "
                "if it has started and its result is kept for everybody who asks for the same settings; one still waiting "
                "in the queue is dropped after 15 s without anybody waiting for it.",
    "job_stop": "Stop",
    "job_restart": "Run again",
}

ZH = {
    "job_queued": "{label}等待空闲的 CPU 核——排在第 {place} 位",
    "job_starting": "{label}正在开始……",
    "job_running": "{label}正在计算…… {done} / {total}",
    "job_failed": "{label}计算失败：{error}",
    "job_cancelled": "{label}已停止。",
    "job_placeholder": "结果算好后会显示在这里。等待期间可以随时修改设置或离开本页。",
    "job_note": "较长的计算在服务器的工作进程里运行，每个 CPU 核一个。已经开始的计算即使你离开也会算完，"
                "结果留给所有选择相同设置的人；还在排队的计算若 15 秒内没有人等待，就会被取消。",
    "job_stop": "停止",
    "job_restart": "重新运行",
}
