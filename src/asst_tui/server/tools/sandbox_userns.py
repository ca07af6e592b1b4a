"""Holds a new user namespace for one sandbox of a root server: `python -I -S sandbox_userns.py`, launched by path.

Standard library only; it must not import asst_tui. It unshares a user namespace and says "ready";
the server writes the namespace's uid and gid maps and answers "mapped"; then, as the namespace's
root, it sets the namespace's user.max_user_namespaces to 0 (nothing in the sandbox may make a
namespace of its own) and says "done". It holds the namespace until its stdin closes, which is
also how it ends if the server dies.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

CLONE_NEWUSER = 0x10000000
WHY = {
    errno.ENOSPC: "the limit on user namespaces is reached (sysctl user.max_user_namespaces)",
    errno.EPERM: "user namespaces are not allowed here",
    errno.EINVAL: "this kernel has no user namespaces",
}


def main() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        number = ctypes.get_errno()
        why = WHY.get(number, os.strerror(number))
        print(f"can't make a user namespace: {why}", flush=True)
        return 1
    print("ready", flush=True)
    if sys.stdin.readline() != "mapped\n":
        return 1
    with open("/proc/sys/user/max_user_namespaces", "w") as limit:
        limit.write("0")
    print("done", flush=True)
    sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
