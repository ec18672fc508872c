"""The `test:` grammar of Rust contracts: a cargo command read the way cargo reads it.

aprender's contracts cite tests as shell text: `cargo test -p CRATE --lib path::to::test`,
a filter after `--`, `--test TARGET filter`, features and runtime arguments, compound
`A && B`, a trailing `(11/11 PASS)` or `2>&1 | grep ...`. This module turns such text into
legs, each a parsed `cargo test` (or a `pv validate` meta-check, or something else), so
resolution can apply cargo's own semantics: which packages, which targets, which filters.

Only the parts cargo would act on are kept; everything pv does not check (a pipe, an
annotation, an unknown flag) is recorded as a note, never silently dropped. Parsing is
tolerant: text that is not a cargo command is an `OtherLeg`, not an error.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# cargo test options that take a value (cargo 1.95 `cargo test --help`).
_CARGO_VALUE = {"-p", "--package", "--exclude", "--bin", "--test", "--example", "--bench", "-F", "--features",
                "--target", "--manifest-path", "--target-dir", "--profile", "-j", "--jobs", "--config", "-Z",
                "--color", "--message-format", "--lockfile-path"}
_CARGO_TARGET_ALL = {"--lib": "lib", "--bins": "bin", "--tests": "test", "--examples": "example",
                     "--benches": "bench", "--doc": "doc"}
_CARGO_FLAGS = {"--workspace", "--all", "--all-features", "--no-default-features", "--release", "-r", "--offline",
                "--locked", "--frozen", "--no-fail-fast", "--no-run", "-q", "--quiet", "-v", "-vv", "--verbose",
                "--ignore-rust-version", "--future-incompat-report", "--keep-going", "--all-targets", "--timings"}
# libtest options (after `--`) that take a value, and those that do not.
_LIBTEST_VALUE = {"--skip", "--test-threads", "--format", "--color", "--logfile", "-Z", "--shuffle-seed"}
_LIBTEST_FLAGS = {"--exact", "--ignored", "--include-ignored", "--nocapture", "--no-capture", "--show-output",
                  "-q", "--quiet", "--test", "--bench", "--list", "--force-run-in-process", "--shuffle",
                  "--ensure-time", "--report-time", "--fail-fast"}
_SEPARATORS = {"&&", "||", ";", "&"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*")
_FD_BEFORE_REDIRECT = re.compile(r"(?<=\s)\d+(?=[<>])")


@dataclass(frozen=True)
class CargoLeg:
    """One `cargo test` invocation, as cargo would read it."""

    text: str
    packages: tuple[str, ...] = ()
    workspace: bool = False
    exclude: tuple[str, ...] = ()
    targets: tuple[tuple[str, str | None], ...] = ()  # (kind, name); name None = every target of that kind
    filters: tuple[str, ...] = ()                    # TESTNAME and the positional filters after `--`
    exact: bool = False
    skips: tuple[str, ...] = ()
    ignored: str = "default"                         # "default" | "only" (--ignored) | "include" (--include-ignored)
    features: tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()                     # what would make cargo itself refuse the command

    @property
    def cited(self) -> str:
        """What the leg names, for messages: its filters, else the package/target selection."""
        return " ".join(self.filters) if self.filters else self.text


@dataclass(frozen=True)
class MetaLeg:
    """`pv validate contracts/X.yaml`: a check pv can do itself."""

    text: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class OtherLeg:
    """A shell command or prose: nothing a registry can resolve."""

    text: str


Leg = CargoLeg | MetaLeg | OtherLeg


@dataclass(frozen=True)
class ParsedCommand:
    legs: tuple[Leg, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def cargo_legs(self) -> tuple[CargoLeg, ...]:
        return tuple(leg for leg in self.legs if isinstance(leg, CargoLeg))


def is_rust_ident(text: str) -> bool:
    return bool(_IDENT.fullmatch(text))


def looks_like_cargo(reference: str) -> bool:
    """The shape test the registry choice uses: some leg runs `cargo [+toolchain] test`."""
    return any(isinstance(leg, CargoLeg) for leg in parse_command(reference).legs)


def looks_like_meta(reference: str) -> bool:
    legs = parse_command(reference).legs
    return len(legs) == 1 and isinstance(legs[0], MetaLeg)


def _tokens(text: str) -> list[str] | None:
    lexer = shlex.shlex(_FD_BEFORE_REDIRECT.sub("", text), posix=True, punctuation_chars="|&;<>()")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: not something a shell would run either
        return None


def parse_command(reference: str) -> ParsedCommand:
    """Split `reference` into legs at `&&`, `||`, `;`; each leg cut at its first pipe or redirect."""
    tokens = _tokens(reference.strip())
    if tokens is None:
        return ParsedCommand((OtherLeg(reference.strip()),), ("unbalanced quote",))
    groups: list[tuple[list[str], str]] = [([], "")]
    for token in tokens:
        if token in _SEPARATORS:
            groups.append(([], token))
        else:
            groups[-1][0].append(token)
    notes: list[str] = []
    if any(sep == "||" for _, sep in groups):
        notes.append("`||` treated like `&&`: every half must resolve")
    legs = tuple(_leg(words) for words, _ in groups if words)
    return ParsedCommand(legs, tuple(notes))


def _cut_plumbing(words: list[str]) -> tuple[list[str], list[str]]:
    """Words before the first pipe/redirect/annotation, and a note for each part cut."""
    notes: list[str] = []
    for i, word in enumerate(words):
        if word[0] in "|<>":
            notes.append(f"`{' '.join(words[i:])}` after the command is not checked (stripped)")
            return words[:i], notes
        if word == "(":
            notes.append(f"annotation `{' '.join(words[i:])}` is not checked (stripped)")
            return words[:i], notes
    return words, notes


def _leg(words: list[str]) -> Leg:
    text = shlex.join(words)
    words, notes = _cut_plumbing(words)
    while words and _ENV_ASSIGNMENT.fullmatch(words[0]):
        notes.append(f"environment `{words[0]}` is not checked")
        words = words[1:]
    if len(words) >= 2 and words[0] == "cargo":
        rest = words[1:]
        if rest and rest[0].startswith("+"):
            notes.append(f"toolchain `{rest[0]}` is not checked")
            rest = rest[1:]
        if rest and rest[0] in ("test", "t"):
            return _cargo_test(text, rest[1:], notes)
    if len(words) >= 3 and words[0] == "pv" and words[1] == "validate" and not notes:
        return MetaLeg(text, tuple(w for w in words[2:] if not w.startswith("-")))
    return OtherLeg(text)


def _split_value(word: str, known: set[str]) -> tuple[str, str | None]:
    """`--package=x` -> (`--package`, `x`); `-px` -> (`-p`, `x`)."""
    if word.startswith("--") and "=" in word:
        flag, value = word.split("=", 1)
        return flag, value
    if len(word) > 2 and word[:2] in known and not word.startswith("--"):
        return word[:2], word[2:]
    return word, None


def _cargo_test(text: str, args: list[str], notes: list[str]) -> CargoLeg:
    values: dict[str, list[str]] = {}
    flags: set[str] = set()
    targets: list[tuple[str, str | None]] = []
    testnames: list[str] = []
    errors: list[str] = []
    i = 0
    while i < len(args) and args[i] != "--":
        word = args[i]
        flag, value = _split_value(word, _CARGO_VALUE)
        if flag in _CARGO_VALUE:
            if value is None:
                i += 1
                if i >= len(args) or args[i] == "--":
                    errors.append(f"`{flag}` needs a value")
                    break
                value = args[i]
            values.setdefault(flag, []).append(value)
            kind = {"--bin": "bin", "--test": "test", "--example": "example", "--bench": "bench"}.get(flag)
            if kind:
                targets.append((kind, value))
        elif word in _CARGO_TARGET_ALL:
            targets.append((_CARGO_TARGET_ALL[word], None))
        elif word in _CARGO_FLAGS:
            flags.add(word)
        elif word.startswith("-"):
            notes.append(f"unknown cargo option `{word}` read as taking no value")
        else:
            testnames.append(word)
        i += 1
    if len(testnames) > 1:
        errors.append(f"cargo takes one TESTNAME before `--`, this gives {len(testnames)}: {' '.join(testnames)}")
    filters, skips, exact, ignored = list(testnames[:1]), [], False, "default"
    i += 1
    while i < len(args):
        word = args[i]
        flag, value = _split_value(word, set())
        if flag in _LIBTEST_VALUE:
            if value is None:
                i += 1
                value = args[i] if i < len(args) else ""
            if flag == "--skip":
                skips.append(value)
        elif word == "--exact":
            exact = True
        elif word == "--ignored":
            ignored = "only"
        elif word == "--include-ignored":
            ignored = "include"
        elif word in _LIBTEST_FLAGS:
            pass
        elif word.startswith("-"):
            notes.append(f"unknown test-binary option `{word}` read as taking no value")
        else:
            filters.append(word)
        i += 1
    if "--all-targets" in flags:
        targets += [("lib", None), ("bin", None), ("test", None), ("example", None), ("bench", None)]
    features = tuple(f for v in values.get("--features", []) + values.get("-F", []) for f in re.split(r"[\s,]+", v) if f)
    return CargoLeg(
        text=text, packages=tuple(values.get("-p", []) + values.get("--package", [])),
        workspace=bool(flags & {"--workspace", "--all"}), exclude=tuple(values.get("--exclude", [])),
        targets=tuple(dict.fromkeys(targets)), filters=tuple(filters), exact=exact, skips=tuple(skips),
        ignored=ignored, features=features, all_features="--all-features" in flags,
        no_default_features="--no-default-features" in flags, notes=tuple(notes), errors=tuple(errors))
