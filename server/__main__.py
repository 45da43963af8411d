"""`python -m server` (or `checkout-server`): serve, or run one of the operator's commands.

    checkout-server [--host H] [--port P] [--data-dir DIR] [--config FILE]   serve
    checkout-server COMMAND --help                                           a command's options
    checkout-server hq ...                                                   head office
"""
import importlib
import os
import sys

# Each command: a function of a server.cli module taking argv and returning an exit code.
COMMANDS = {
    "enroll-kiosk": ("credentials", "enroll_kiosk"),
    "revoke-kiosk": ("credentials", "revoke_kiosk"),
    "token": ("credentials", "issue_token"),
    "revoke-token": ("credentials", "revoke_token"),
    "retire-kiosk": ("credentials", "retire_kiosk"),
    "verify-journal": ("verify_journal", "main"),
    "store-key": ("store_key", "main"),
    "hq": ("hq", "main"),
}


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a command, or serve when the first argument is not one."""
    argv = sys.argv[1:] if argv is None else argv
    os.umask(0o077)  # whatever a command or the service writes is for this user only
    if argv and argv[0] in COMMANDS:
        module_name, function = COMMANDS[argv[0]]
        module = importlib.import_module(f"server.cli.{module_name}")
        sys.exit(getattr(module, function)(argv[1:]))
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncommands:", ", ".join(sorted(COMMANDS)) or "none")
        sys.exit(0)
    from server.cli import serve
    sys.exit(serve.main(argv))


if __name__ == "__main__":
    main()
