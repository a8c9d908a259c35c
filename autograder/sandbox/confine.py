"""What a process in the box may still do: the seccomp deny-list, rlimits, prctl flags.

These are the layers the box's own process applies to itself (bubblewrap,
the uid and the cgroups are set up from outside, by ``launcher.py`` and
``cgroups.py``). They live apart from the programs that use them
(``child.py``, ``warm_parent.py``) so that the policy can be read, reviewed
and ablated in one place; ``docs/security.md`` says what each one stops.
"""

from __future__ import annotations

import resource
import sys

# System calls a student's numpy or torch code never needs, and an attacker
# would: networking, tracing other processes, kernel keyrings and modules,
# new namespaces and mounts, eBPF, io_uring. Denied with EPERM.
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "ptrace", "process_vm_readv",
    "process_vm_writev", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "mount",
    "umount2", "pivot_root", "chroot", "unshare", "setns", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "open_by_handle_at", "name_to_handle_at",
    # the new mount API: without these a process with capabilities could
    # make read-only binds writable (found by the red-team ablation)
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
)


NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET


# The CUDA driver listens on a Unix socket of its own when it starts (seen
# on an H100: denying socket, bind or listen fails cuInit with "OS call
# failed"). A GPU process may therefore make, bind and listen on Unix
# sockets, and still connect to nothing and accept nothing.
CUDA_ALLOWED = ("bind", "listen")
AF_UNIX = 1


# The libraries pyseccomp looks up when it is imported, by the names they have on glibc systems.
SONAMES = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}


def import_pyseccomp():
    """pyseccomp, imported without running ``ldconfig -p`` twice.

    pyseccomp finds libc and libseccomp with ``ctypes.util.find_library`` as
    it is imported, and on Linux that runs ``ldconfig -p`` in a child
    process for each: about 10 ms, paid on the box's start and on the
    grader's, before a student's ``check`` can begin. The usual sonames are
    tried first, by loading them; ``find_library``'s own search stays the
    fallback. Raises ImportError or OSError as the import does.
    """
    if "pyseccomp" in sys.modules:
        return sys.modules["pyseccomp"]
    import ctypes
    import ctypes.util
    search = ctypes.util.find_library

    def find_library(name):
        soname = SONAMES.get(name)
        if soname is not None:
            try:
                ctypes.CDLL(soname)
                return soname
            except OSError:
                pass
        return search(name)

    ctypes.util.find_library = find_library
    try:
        import pyseccomp
    finally:
        ctypes.util.find_library = search
    return pyseccomp


def apply_seccomp(cuda: bool = False) -> str:
    """Load the deny-list filter; returns '' or why it could not be loaded."""
    import errno
    try:
        pyseccomp = import_pyseccomp()
    except (ImportError, OSError):
        return "pyseccomp or libseccomp is not installed"
    try:
        rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            if cuda and name in CUDA_ALLOWED:
                continue
            try:
                if cuda and name == "socket":
                    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name, pyseccomp.Arg(0, pyseccomp.NE, AF_UNIX))
                else:
                    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
            except (ValueError, RuntimeError, OSError):
                pass  # a syscall this architecture does not have
        # New namespaces through clone() (a user namespace would give back
        # capabilities): denied per flag, since seccomp cannot test "any bit".
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory, out of seccomp's sight: ENOSYS
        # makes libc fall back to clone(), which the rules above filter.
        try:
            rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        except (ValueError, RuntimeError, OSError):
            pass
        rules.load()
    except (OSError, RuntimeError, ValueError) as exc:
        return f"the filter could not be loaded ({exc})"
    return ""


def apply_limits(limits: dict) -> None:
    """Lower this process's rlimits before any student code runs.

    The hard limits go down with the soft ones, so the student cannot raise
    them back.
    """
    table = {
        "cpu_s": resource.RLIMIT_CPU,
        "memory_bytes": resource.RLIMIT_AS,
        "data_bytes": resource.RLIMIT_DATA,
        "nproc": resource.RLIMIT_NPROC,
        "file_bytes": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
        "core_bytes": resource.RLIMIT_CORE,
    }
    for key, which in table.items():
        if key not in limits:
            continue
        soft = int(limits[key])
        hard = soft + 1 if key == "cpu_s" else soft
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass


PR_SET_DUMPABLE = 4  # 0: others of our uid cannot read our memory (/proc/<pid>/mem) nor trace us
PR_SET_NO_NEW_PRIVS = 38  # 1: no setuid binary gives anything back, seccomp or not


def prctl(option: int, value: int) -> None:
    import ctypes
    ctypes.CDLL(None).prctl(option, value, 0, 0, 0)
