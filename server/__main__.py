"""`python -m server` (or `checkout-server`): serve, or run one of the operator's commands.

    checkout-server [--host H] [--port P] [--data-dir DIR] [--config FILE]   serve
    checkout-server COMMAND --help                                           a command's options
    checkout-server hq ...                                                   head office
"""
import importlib
import os
import sys

from server.encryption import EncryptionRefused

# Each command: a function of a server.cli module taking argv and returning an exit code.
COMMANDS = {
    "enroll-kiosk": ("credentials", "enroll_kiosk"),
    "revoke-kiosk": ("credentials", "revoke_kiosk"),
    "token": ("credentials", "issue_token"),
    "revoke-token": ("credentials", "revoke_token"),
    "retire-kiosk": ("credentials", "retire_kiosk"),
    "verify-journal": ("verify_journal", "main"),
    "store-key": ("store_key", "main"),
    "encrypt-store": ("encrypt_store", "encrypt_main"),
    "rekey": ("encrypt_store", "rekey_main"),
    "hq": ("hq", "main"),
}


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a command, or serve when the first argument is not one."""
    argv = sys.argv[1:] if argv is None else argv
    os.umask(0o077)  # whatever a command or the service writes is for this user only
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncommands:", ", ".join(sorted(COMMANDS)) or "none")
        sys.exit(0)
    if argv and argv[0] in COMMANDS:
        module_name, function = COMMANDS[argv[0]]
        name, run, argv = argv[0], getattr(importlib.import_module(
            f"server.cli.{module_name}"), function), argv[1:]
    else:
        from server.cli import serve
        name, run = "serve", serve.main
    try:
        sys.exit(run(argv))
    except EncryptionRefused as exc:  # a key file, a wrong key or a file of the wrong kind
        print(f"checkout-server {name}: refused: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
