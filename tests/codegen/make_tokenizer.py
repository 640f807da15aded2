#!/usr/bin/env python3
"""Writes a tokenizer.json and a tokenizer_config.json of a real model's shape and size.

Real tokenizers cannot be downloaded here, so this makes one shaped like Llama 3's (a byte-level BPE): the same
top-level layout (added_tokens, normalizer, pre_tokenizer, post_processor, decoder, model with vocab and merges),
the same formatting (json.dumps with indent=2, non-ASCII written as UTF-8), tokens built from the byte-level
alphabet (so most are UTF-8 with `Ġ` and friends, and some hold `"` and `\\`), and by default the same counts:
128,000 vocabulary entries, 280,000 merges, 256 added tokens, about 9 MB. tokenizer_config.json holds the added
tokens again (added_tokens_decoder) and a long chat template. Deterministic: the same arguments give the same bytes.

    make_tokenizer.py OUT_DIR [--vocab N] [--merges N] [--added N] [--merges-format strings|pairs]
"""

from __future__ import annotations

import argparse
import json
import os
import random


def byte_level_alphabet() -> list[str]:
    """GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others map to U+0100 and up."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    characters = []
    extra = 0
    for byte in range(256):
        if byte in printable:
            characters.append(chr(byte))
        else:
            characters.append(chr(256 + extra))
            extra += 1
    return characters


def make_vocab_and_merges(vocab_size: int, merge_count: int, rng: random.Random) -> tuple[list[str], list[tuple[str, str]]]:
    """The byte-level alphabet, then distinct words of 2 to 10 characters, mostly letters, a third of them starting
    with `Ġ` (a space), about 7 UTF-8 bytes each as in a real vocabulary; the merges split tokens in two, then
    join random pairs (real merge lists are longer than their vocabularies)."""
    alphabet = byte_level_alphabet()
    letters = [c for c in alphabet if c.isalpha() and c.isascii()]
    tokens = list(alphabet)
    known = set(tokens)
    while len(tokens) < vocab_size:
        length = rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12))
        word = "".join(rng.choice(letters) if rng.random() < 0.9 else rng.choice(alphabet) for _ in range(length))
        if rng.random() < 0.33:
            word = "\u0120" + word[1:]
        if word not in known:
            tokens.append(word)
            known.add(word)
    merges: list[tuple[str, str]] = []
    merged = set()
    while len(merges) < merge_count:
        token = tokens[256 + rng.randrange(len(tokens) - 256)] if len(merges) % 2 == 0 else None
        if token is not None:
            cut = rng.randrange(1, len(token))
            pair = (token[:cut], token[cut:])
        else:
            pair = (tokens[rng.randrange(len(tokens))], tokens[rng.randrange(len(tokens))][:4])
        if pair not in merged:
            merges.append(pair)
            merged.add(pair)
    return tokens, merges


def added_tokens(vocab_size: int, count: int) -> list[dict]:
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
             "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>"]
    result = []
    for index in range(count):
        content = names[index] if index < len(names) else f"<|reserved_special_token_{index - len(names)}|>"
        result.append({"id": vocab_size + index, "content": content, "single_word": False, "lstrip": False,
                       "rstrip": False, "normalized": False, "special": True})
    return result


def chat_template(target_bytes: int) -> str:
    """A Jinja chat template with tool use, like the long ones real models ship, repeated to the size asked."""
    head = (
        "{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n"
        "{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n"
        "{%- if not date_string is defined %}\n    {%- set date_string = \"26 Jul 2024\" %}\n{%- endif %}\n"
    )
    block = (
        "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n"
        "    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n"
        "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
        "{%- if tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n"
        "{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
        "{%- for message in messages %}\n    {%- if not (message.role == 'ipython' or message.role == 'tool') %}\n"
        "        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
        " + '<|eot_id|>' }}\n    {%- elif 'tool_calls' in message %}\n"
        "        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n"
        "        {{- '\"parameters\": ' }}\n        {{- tool_call.arguments | tojson }}\n        {{- \"}\" }}\n"
        "    {%- endif %}\n{%- endfor %}\n"
    )
    text = head
    while len(text.encode()) < target_bytes:
        text += block
    return text + "{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n"


def tokenizer_json(vocab: list[str], merges: list[tuple[str, str]], added: list[dict], merges_format: str) -> dict:
    regex = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
             "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [added[0]["id"]] if added else [],
                                                       "tokens": ["<|begin_of_text|>"]}}}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
            "vocab": {token: index for index, token in enumerate(vocab)},
            "merges": [f"{a} {b}" for a, b in merges] if merges_format == "strings" else [[a, b] for a, b in merges],
        },
    }


def tokenizer_config(added: list[dict], template_bytes: int) -> dict:
    decoder = {str(token["id"]): {key: token[key] for key in
                                  ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
               for token in added}
    return {
        "added_tokens_decoder": decoder,
        "bos_token": "<|begin_of_text|>",
        "chat_template": chat_template(template_bytes),
        "clean_up_tokenization_spaces": True,
        "eos_token": "<|eot_id|>",
        "model_input_names": ["input_ids", "attention_mask"],
        "model_max_length": 131072,
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


def write_tokenizer(out_dir: str, vocab_size: int = 128_000, merge_count: int = 280_000, added_count: int = 256,
                    template_bytes: int = 12_000, merges_format: str = "strings", seed: int = 22) -> None:
    rng = random.Random(seed)
    vocab, merges = make_vocab_and_merges(vocab_size, merge_count, rng)
    added = added_tokens(vocab_size, added_count)
    os.makedirs(out_dir, exist_ok=True)
    for name, document in (("tokenizer.json", tokenizer_json(vocab, merges, added, merges_format)),
                           ("tokenizer_config.json", tokenizer_config(added, template_bytes))):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as stream:
            stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--vocab", type=int, default=128_000)
    parser.add_argument("--merges", type=int, default=280_000)
    parser.add_argument("--added", type=int, default=256)
    parser.add_argument("--template-bytes", type=int, default=12_000)
    parser.add_argument("--merges-format", choices=["strings", "pairs"], default="strings",
                        help="\"a b\" strings (Llama 3's file) or [\"a\", \"b\"] pairs (tokenizers >= 0.20)")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    write_tokenizer(args.out_dir, args.vocab, args.merges, args.added, args.template_bytes, args.merges_format,
                    args.seed)


if __name__ == "__main__":
    main()
