"""`python -m server encrypt-store --data-dir DIR --key-file KEY`: encrypt a store's files.
`python -m server rekey --data-dir DIR --key-file OLD --new-key-file NEW`: change their key.

Stop the service first: a store file in use is refused, and nothing is changed. For each of
edge_store.db and central_hq.db in the data folder:
  1. lock it (no other connection may open it until the end) and check it (quick_check);
  2. fold its WAL into it, then copy it with SQLCipher's sqlcipher_export into FILE.converting,
     encrypted with the (new) key, and fsync that copy;
  3. open the copy afresh and check it: every page authenticated, integrity ok, the same
     user_version and as many rows in every table;
  4. keep the old file aside (FILE.kept-aside), rename the copy over FILE (atomic), then
     remove the old file.
A file already as wanted is skipped; what an interrupted run left is removed, so running the
command again after a crash finishes the work. Exit status: 0 done (or nothing to do), 2
refused (a key file, a wrong key, a file in use or damaged), with the reason, nothing changed.
Then, before starting the service, point store_encryption_key_file (or systemd's credential of
that name) at the key file, or after rekey at the new one: the old key opens nothing any more.
"""
import argparse
import functools
from pathlib import Path

from server.cli.serve import add_data_dir_arguments
from server.config import load_settings
from server.encryption import KEY_FILE_SETTING, read_key_file
from server.store_conversion import encrypt_store, rekey_store

say = functools.partial(print, flush=True)  # progress as it happens, file by file


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"checkout-server {prog}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_dir_arguments(parser)
    return parser


def _start_with(key_file: Path) -> str:
    return (f"Before starting the service, point {KEY_FILE_SETTING} at {key_file.resolve()} "
            f"(or put it in systemd's credential {KEY_FILE_SETTING}).")


def encrypt_main(argv: list[str]) -> int:
    """Encrypt every plain file of a stopped store with the key of --key-file."""
    parser = _parser("encrypt-store")
    parser.add_argument("--key-file", required=True,
                        help="file of the raw 256-bit key (64 hex digits, mode 0600)")
    args = parser.parse_args(argv)
    key = read_key_file(Path(args.key_file))
    data = load_settings(args.config, data_dir=args.data_dir).data_path
    if encrypt_store(data, key, say):
        say(f"The store's files in {data} are encrypted. {_start_with(key.source)}")
    return 0


def rekey_main(argv: list[str]) -> int:
    """Re-encrypt every file of a stopped store from --key-file's key to --new-key-file's."""
    parser = _parser("rekey")
    parser.add_argument("--key-file", required=True, help="file of the key in use now")
    parser.add_argument("--new-key-file", required=True,
                        help="file of the new key (64 hex digits, mode 0600)")
    args = parser.parse_args(argv)
    old_key, new_key = read_key_file(Path(args.key_file)), read_key_file(Path(args.new_key_file))
    data = load_settings(args.config, data_dir=args.data_dir).data_path
    if rekey_store(data, old_key, new_key, say):
        say(f"The store's files in {data} are keyed with {new_key.source} now; the old key "
            f"opens them no more. {_start_with(new_key.source)}")
    return 0
