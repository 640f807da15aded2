"""The Python client's whole-revision download (huggingface_hub.snapshot_download, with its default of 8
workers), and nothing else. Prints the snapshot folder. HF_ENDPOINT comes from the environment.

    python3 snapshot.py --repo ID [--type model] [--revision main] --cache-dir DIR
"""

import argparse

from huggingface_hub import snapshot_download

parser = argparse.ArgumentParser()
parser.add_argument("--repo", required=True)
parser.add_argument("--type", default="model")
parser.add_argument("--revision", default="main")
parser.add_argument("--cache-dir", required=True)
args = parser.parse_args()
print(snapshot_download(args.repo, repo_type=args.type, revision=args.revision, cache_dir=args.cache_dir))
