"""Imported first by the forkserver that starts the build worker (`digest_core.workers`): SIGINT
ignored, a disposition every worker it forks inherits from its first instruction. Ctrl-C in a
terminal reaches the whole process group; only the service answers it, never a worker with a
traceback."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
