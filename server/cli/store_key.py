"""`python -m server store-key --data-dir DIR [--rotate | --use-next]`: the store's identity.

With no option: the key in use, made on first call (a file only the service's user may read,
store_key.pem in the data dir); its public half is printed alone on the last line, for head
office to enrol (`hq enroll-store STORE_ID --public-key=KEY`: the `=` matters, as a key may
begin with '-'). The private key never leaves the store.

Rotation, with an overlap: `--rotate` makes a next key beside the one in use and prints its
public half; once head office has enrolled it, `--use-next` puts it in use (the edge signs
with it from its next batch on), and head office revokes the old one
(`hq revoke-store-key STORE_ID KEY_ID`).
"""
import argparse

from server.chain.store_keys import key_in_use, make_next_key, put_next_key_in_use
from server.cli.serve import add_data_dir_arguments
from server.config import load_settings


def main(argv: list[str]) -> int:
    """Print the store's public key (making the key first if need be)."""
    parser = argparse.ArgumentParser(prog="checkout-server store-key", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_dir_arguments(parser)
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--rotate", action="store_true", help="make a next key (rotation)")
    step.add_argument("--use-next", action="store_true", help="put the next key in use")
    args = parser.parse_args(argv)
    data = load_settings(args.config, data_dir=args.data_dir).data_path
    if args.rotate:
        key, what = make_next_key(data), "Next key (not in use yet; enrol it at head office)"
    elif args.use_next:
        if not (data / "store_key.next.pem").exists():
            parser.error("there is no next key: make one with --rotate first")
        key, what = put_next_key_in_use(data), "Key now in use"
    else:
        key, what = key_in_use(data, create=True), "Key in use"
    print(f"{what}: key id {key.key_id}. Public key (for head office):")
    print(key.public_text)
    return 0
