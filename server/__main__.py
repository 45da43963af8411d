"""`python -m server` (or `checkout-server`): serve, or run one of the operator's commands.

    checkout-server [--host H] [--port P] [--data-dir DIR] [--config FILE]   serve
    checkout-server COMMAND --help                                           a command's options
"""
import importlib
import sys

# Each command is a module of server.cli with a main(argv) -> exit code.
COMMANDS = {
}


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a command, or serve when the first argument is not one."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        module = importlib.import_module(f"server.cli.{COMMANDS[argv[0]]}")
        sys.exit(module.main(argv[1:]))
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncommands:", ", ".join(sorted(COMMANDS)) or "none")
        sys.exit(0)
    from server.cli import serve
    sys.exit(serve.main(argv))


if __name__ == "__main__":
    main()
