"""The JSON -> C++ mapping of docs/header-mapping.md, written a second time from that document.

The fixture test derives every expected C++ name and type from this module, not from the generator, so a
generator that drifts from the documented contract fails the test instead of agreeing with itself. Keep it a
plain transcription of the document: when the contract changes, change the document, then this file.
"""

from __future__ import annotations

from typing import Any, Iterable

# "Names", rule 5: C++20 keywords and alternative tokens, GNU `typeof`, and names that standard or POSIX
# headers, or GCC and Clang in GNU mode, define as object-like macros.
RESERVED_NAMES = frozenset(
    """
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t
    class compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield
    decltype default delete do double dynamic_cast else enum explicit export extern false float for friend
    goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private
    protected public register reinterpret_cast requires return short signed sizeof static static_assert
    static_cast struct switch template this thread_local throw true try typedef typeid typename union
    unsigned using virtual void volatile wchar_t while xor xor_eq
    typeof errno unix linux NULL EOF stdin stdout stderr NAN INFINITY
    """.split()
)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


def _is_identifier_byte(byte: int) -> bool:
    return chr(byte).isascii() and (chr(byte).isalnum() or byte == ord("_"))


def identifier_for_key(key: bytes, reserved_here: Iterable[str] = ()) -> str:
    """Rules 1-5 of "Names": the name one key asks for, before collisions are settled."""
    cleaned = ""
    for byte in key:
        char = chr(byte) if _is_identifier_byte(byte) else "_"
        if char == "_" and cleaned.endswith("_"):
            continue
        cleaned += char
    if not cleaned:
        cleaned = "_"
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    elif len(cleaned) >= 2 and cleaned[0] == "_" and "A" <= cleaned[1] <= "Z":
        cleaned = "k" + cleaned
    if cleaned in RESERVED_NAMES or cleaned in set(reserved_here):
        cleaned += "_"
    return cleaned


def identifiers_for_keys(keys: Iterable[bytes], reserved_here: Iterable[str] = ()) -> dict[bytes, str]:
    """Rule 6 of "Names": distinct names for the keys of one object."""
    reserved_here = set(reserved_here)
    names: dict[bytes, str] = {}
    taken = set(reserved_here)
    renamed = []
    for key in keys:
        if identifier_for_key(key, reserved_here).encode() == key:
            names[key] = key.decode()
            taken.add(names[key])
        else:
            renamed.append(key)
    for key in sorted(set(renamed)):
        base = identifier_for_key(key, reserved_here)
        name = base
        number = 1
        while name in taken:
            name = base + ("" if base.endswith("_") else "_") + str(number)
            number += 1
        taken.add(name)
        names[key] = name
    return names


# --- Types ("Scalars" and "Arrays") ---------------------------------------------------------------------

def scalar_kind(value: Any) -> str:
    """null, bool, string, negative, int64 (non-negative), uint64, or real."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        if INT64_MIN <= value < 0:
            return "negative"
        if 0 <= value <= INT64_MAX:
            return "int64"
        if INT64_MAX < value <= UINT64_MAX:
            return "uint64"
        return "real"  # outside every integer type: JSON readers hold it as a double
    if isinstance(value, float):
        return "real"
    raise TypeError(f"not a JSON scalar: {value!r}")


def cpp_type_for_kinds(kinds: set[str]) -> str | None:
    """The one C++ type for scalars of these kinds, or None when they do not share one."""
    numbers = kinds & {"negative", "int64", "uint64", "real"}
    categories = ("null" in kinds) + ("bool" in kinds) + ("string" in kinds) + bool(numbers)
    if categories == 0:
        return "::std::nullptr_t"  # an empty array
    if categories > 1:
        return None
    if "null" in kinds:
        return "::std::nullptr_t"
    if "bool" in kinds:
        return "bool"
    if "string" in kinds:
        return "::std::string_view"
    if "real" in numbers or {"negative", "uint64"} <= numbers:
        return "double"
    if "uint64" in numbers:
        return "::std::uint64_t"
    return "::std::int64_t"


def rectangular_shape(array: list) -> tuple[list[int], set[str]] | None:
    """(extents, scalar kinds) when the array becomes one std::array, else None."""
    if not array:
        return [0], set()
    of_arrays = isinstance(array[0], list)
    kinds: set[str] = set()
    inner_extents = None
    for element in array:
        if isinstance(element, dict) or isinstance(element, list) != of_arrays:
            return None
        if not of_arrays:
            kinds.add(scalar_kind(element))
            continue
        inner = rectangular_shape(element)
        if inner is None or (inner_extents is not None and inner_extents != inner[0]):
            return None
        inner_extents = inner[0]
        kinds |= inner[1]
    if cpp_type_for_kinds(kinds) is None:
        return None
    return [len(array)] + (inner_extents if inner_extents is not None else []), kinds


def std_array_type(extents: list[int], element_type: str) -> str:
    for extent in reversed(extents):
        element_type = f"::std::array<{element_type}, {extent}>"
    return element_type


# --- "Large values" ------------------------------------------------------------------------------------------

MAX_INLINE_STRING_BYTES = 65536
MAX_INLINE_ELEMENTS = 1024


def _scalar_count_and_string_bytes(value: Any) -> tuple[int, int]:
    if isinstance(value, list):
        counts = [_scalar_count_and_string_bytes(element) for element in value]
        return sum(c for c, _ in counts), sum(b for _, b in counts)
    return 1, len(value.encode("utf-8")) if isinstance(value, str) else 0


def large_kind(value: Any) -> str | None:
    """None for a value that stays inline; else how its declaration looks: "string", "array", "map" or
    "json_text". Applies to values below a file's top level (a file's `json` follows the string rule)."""
    if isinstance(value, str):
        return "string" if len(value.encode("utf-8")) > MAX_INLINE_STRING_BYTES else None
    if isinstance(value, dict):
        if len(value) <= MAX_INLINE_ELEMENTS:
            return None
        return "map" if rectangular_shape(list(value.values())) is not None else "json_text"
    if isinstance(value, list):
        shape = rectangular_shape(value)
        if shape is None:
            return "json_text" if len(value) > MAX_INLINE_ELEMENTS else None
        scalars, string_bytes = _scalar_count_and_string_bytes(value)
        large = len(value) > MAX_INLINE_ELEMENTS or scalars > MAX_INLINE_ELEMENTS or \
            string_bytes > MAX_INLINE_STRING_BYTES
        return "array" if large else None
    return None


def sorted_keys(obj: dict) -> list[str]:
    """A large object's keys in byte order (of their UTF-8 bytes)."""
    return sorted(obj, key=lambda key: key.encode("utf-8"))


def large_cpp_type(value: Any, kind: str) -> str:
    """The declared type of a large value of kind "string", "array" or "map"."""
    if kind == "string":
        return "::std::string_view"
    if kind == "array":
        extents, kinds = rectangular_shape(value)
        return f"::hubdeps::data::array<{std_array_type(extents[1:], cpp_type_for_kinds(kinds))}, {extents[0]}>"
    values = [value[key] for key in sorted_keys(value)]
    extents, kinds = rectangular_shape(values)
    return f"::hubdeps::data::map<{std_array_type(extents[1:], cpp_type_for_kinds(kinds))}, {len(value)}>"
