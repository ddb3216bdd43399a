"""The README and docs/ cannot drift from the code: every Python and shell block runs (or says
why not), every `kerasgen` command parses, every link, name and path resolves.

The marker convention is described in docs/README.md ("For contributors: snippets that run");
the toy arguments are read from the table there, so the page and the test cannot disagree.
"""

import argparse
import ast
import dataclasses
import importlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import data_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(
    os.path.join("docs", name) for name in os.listdir(os.path.join(ROOT, "docs"))
    if name.endswith(".md"))
INDEX = os.path.join("docs", "README.md")

PYTHON_LANGS = ("python",)
SHELL_LANGS = ("", "sh", "bash", "shell", "console")
DATA_LANGS = ("json", "yaml", "text")
DATA_PLACEHOLDER = "/path/to/shared/data"
MARKER = re.compile(r"<!-- docs-test: (.*) -->")
FENCE = re.compile(r"^```(.*)$")
PY_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
REPLACEMENT = re.compile(PY_STRING + r"\s*->\s*" + PY_STRING)
TIMEOUT = 900  # seconds per group of blocks; the slowest takes about a minute


@dataclasses.dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    marker: str  # the marker's text, or None

    @property
    def where(self):
        return f"{self.page}:{self.line}"

    @property
    def fields(self):
        return [f.strip() for f in (self.marker or "").split(";")]

    @property
    def runs(self):
        return self.fields[0] == "run"

    @property
    def needs_data(self):
        return "data" in self.fields

    @property
    def toy(self):
        return any(f == "toy" or f.startswith("toy:") for f in self.fields)

    def replacements(self):
        """The (old, new) pairs of a `toy: 'old' -> 'new', ...` field."""
        pairs = []
        for field in self.fields:
            if field.startswith("toy:"):
                spec = field[len("toy:"):]
                pairs = [(ast.literal_eval(a), ast.literal_eval(b))
                         for a, b in REPLACEMENT.findall(spec)]
                leftover = REPLACEMENT.sub("", spec).replace(",", "").strip()
                assert pairs and not leftover, f"{self.where}: cannot read {field!r}"
        return pairs


def read(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        return f.read()


def blocks(page):
    """Every fenced block of a page with the marker on the line just above it."""
    lines = read(page).split("\n")
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        above = MARKER.fullmatch(lines[i - 1].strip()) if i else None
        found.append(Block(page, i + 1, m.group(1).strip().split(" ")[0],
                           "\n".join(lines[i + 1:end]) + "\n", above and above.group(1)))
        i = end + 1
    return found


def all_blocks():
    return [b for page in PAGES for b in blocks(page)]


def toy_arguments():
    """{command prefix: [arguments]} from the toy table of docs/README.md."""
    text = read(INDEX)
    table = text[text.index("Toy arguments (the test reads this table):"):]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|$", table, re.M)
    assert rows, "docs/README.md lost its toy-arguments table"
    return {command: shlex.split(args) for command, args in rows}


def split_comment(line):
    """(command, ' # comment') of a shell line; a # inside quotes is not a comment."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), " " + line[i:]
    return line, ""


def joined_lines(code):
    """Shell lines with backslash continuations joined."""
    return code.replace("\\\n", " ").split("\n")


def toy_code(block, toy):
    code = block.code
    for old, new in block.replacements():
        assert old in code, f"{block.where}: toy replacement {old!r} is not in the block"
        code = code.replace(old, new)
    if block.lang in SHELL_LANGS and block.toy:
        lines = []
        for line in joined_lines(code):
            command, comment = split_comment(line)
            words = command.split()
            for prefix, args in toy.items():
                if words[:len(prefix.split())] == prefix.split() and "--help" not in words:
                    command = command + " " + shlex.join(args)
            lines.append(command + comment)
        code = "\n".join(lines)
    return code.replace(DATA_PLACEHOLDER, "${KERASGEN_DATA}")


# ---- the markers ---------------------------------------------------------------------------


def test_every_runnable_block_is_marked_run_or_skip_with_a_reason():
    problems = []
    for page in PAGES:
        lines = read(page).split("\n")
        for i, line in enumerate(lines):  # a marker must sit right above a fence
            if MARKER.fullmatch(line.strip()) and not (i + 1 < len(lines)
                                                      and lines[i + 1].startswith("```")):
                problems.append(f"{page}:{i + 1}: marker not directly above a code block")
    for b in all_blocks():
        if b.lang in DATA_LANGS:
            if b.marker:
                problems.append(f"{b.where}: a {b.lang} block is data; drop its marker")
            continue
        if b.lang not in PYTHON_LANGS + SHELL_LANGS:
            problems.append(f"{b.where}: unknown block language {b.lang!r}; use python, sh, "
                            f"json, yaml or text")
        elif not b.marker:
            problems.append(f"{b.where}: {b.lang or 'unlabelled'} block without a "
                            "'<!-- docs-test: run ... -->' or '<!-- docs-test: skip: REASON -->'")
        elif b.fields[0] == "skip" or b.marker.startswith("skip:"):
            reason = b.marker[len("skip:"):].strip()
            if not b.marker.startswith("skip:") or len(reason) < 10:
                problems.append(f"{b.where}: 'skip:' needs a reason, received {b.marker!r}")
        elif b.runs:
            unknown = [f for f in b.fields[1:]
                       if f not in ("data", "toy") and not f.startswith("toy:")]
            if unknown:
                problems.append(f"{b.where}: unknown marker fields {unknown}")
            try:
                toy_code(b, toy_arguments())
            except AssertionError as e:
                problems.append(str(e))
        else:
            problems.append(f"{b.where}: marker must start with 'run' or 'skip:'; "
                            f"received {b.marker!r}")
    assert not problems, "\n".join(problems)


def test_the_readme_test_command_is_what_ci_runs():
    setup = [b for b in blocks("README.md")[:2]]
    command = setup[1].code.strip()
    assert command.endswith("-m pytest tests"), command
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        assert command in [line.strip() for line in f], \
            ".ci/run no longer runs the README's test command word for word"


def test_json_blocks_parse():
    for b in all_blocks():
        if b.lang == "json":
            json.loads(b.code)


# ---- commands, links and names -------------------------------------------------------------


class _Parsed(Exception):
    pass


def parse_cli(argv, monkeypatch):
    """The argparse Namespace the real `kerasgen` parser makes of argv, without running it."""
    from kerasgen import cli

    original = argparse.ArgumentParser.parse_known_args

    def parse_and_stop(self, args=None, namespace=None):
        parsed = original(self, args, namespace)
        if self.prog != "kerasgen":  # a subcommand's parser, called by the top one
            return parsed
        namespace, extra = parsed
        if extra and namespace.command != "sample":  # only `sample` takes model options
            original_parse_args(self, args)  # reports them and exits 2
        raise _Parsed(namespace)

    original_parse_args = argparse.ArgumentParser.parse_args
    with monkeypatch.context() as m:
        m.setattr(argparse.ArgumentParser, "parse_known_args", parse_and_stop)
        try:
            cli.main(argv)
        except _Parsed as parsed:
            return parsed.args[0]
        except SystemExit as e:
            raise AssertionError(f"kerasgen {shlex.join(argv)}: the parser refused it") from e
    raise AssertionError(f"kerasgen {shlex.join(argv)}: the parser was never reached")


def shell_commands(code):
    """Each simple command of a shell block as a word list (operators split it)."""
    for line in joined_lines(code):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split, lexer.commenters = True, "#"
        words = []
        for token in list(lexer) + [";"]:
            if token and set(token) <= set("&|;<>()"):
                if words:
                    yield words
                words = []
                continue
            words.append(token)


def test_every_kerasgen_command_parses_and_its_config_loads(monkeypatch):
    """Run or not, each `kerasgen ...` line parses with the real parser and a `train` line's
    config loads with its --set values; `python -m X` names a module that exists."""
    from kerasgen import config as config_lib

    checked = 0
    for b in all_blocks():
        if b.lang not in SHELL_LANGS or not b.marker:
            continue
        for words in shell_commands(b.code):
            if "--help" in words:
                continue
            starts = [i for i, w in enumerate(words) if os.path.basename(w) == "kerasgen"]
            if starts:
                ns = parse_cli(words[starts[0] + 1:], monkeypatch)
                if ns.command == "train":
                    path = os.path.join(ROOT, ns.config)
                    assert os.path.isfile(path), f"{b.where}: no config {ns.config}"
                    config_lib.load(path, list(ns.set or []))
                checked += 1
            elif words[:2] in (["python", "-m"], ["python3", "-m"]):
                assert importlib.util.find_spec(words[2]), f"{b.where}: no module {words[2]}"
                checked += 1
            elif words[:1] == ["python"] and words[1].endswith(".py"):
                assert os.path.isfile(os.path.join(ROOT, words[1])), f"{b.where}: {words[1]}"
    assert checked >= 30, checked


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def test_the_training_page_lists_every_config():
    text = read(os.path.join("docs", "training.md"))
    table = text[text.index("## Configs"):]
    listed = set(re.findall(r"`(\w+)`", table))
    files = {name[:-len(".yaml")] for name in os.listdir(os.path.join(ROOT, "configs"))
             if name.endswith(".yaml")}
    assert listed == files, (f"configs/ has {sorted(files - listed)} unlisted; docs/training.md "
                             f"lists {sorted(listed - files)} that are not there")


def test_links_and_images_resolve():
    problems = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", read(page), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = os.path.normpath(os.path.join(ROOT, os.path.dirname(page), path)) if path \
                else os.path.join(ROOT, page)
            if not os.path.exists(file) or os.path.basename(file) not in os.listdir(
                    os.path.dirname(file)):
                problems.append(f"{page}: {target}: no such file")
            elif anchor and file.endswith(".md"):
                with open(file, encoding="utf-8") as f:
                    body = re.sub(r"```.*?```", "", f.read(), flags=re.S)
                anchors = {slug(h) for h in re.findall(r"^#+ (.*)$", body, re.M)}
                if anchor not in anchors:
                    problems.append(f"{page}: {target}: no heading with that anchor")
    assert not problems, "\n".join(problems)


def resolves(name):
    """Whether a dotted `kerasgen.a.b` name imports (module prefix) and getattrs (the rest)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def exists(path):
    """Whether a repository path exists with exactly this case."""
    full = os.path.join(ROOT, path.rstrip("/"))
    return os.path.exists(full) and os.path.basename(full) in os.listdir(os.path.dirname(full))


def test_names_and_paths_resolve_and_moved_ones_are_gone():
    index = read(INDEX)
    moved = index[index.index("## Where names went"):]
    moved = moved[:moved.index("\n## ", 3)]
    old, new = set(), set()
    for was, now in re.findall(r"^\| (.+?) \| (.+?) \|$", moved, re.M)[2:]:
        old |= set(re.findall(r"`([^`]+)`", was))
        new |= set(re.findall(r"`([^`]+)`", now))
    assert len(old) >= 10 and len(new) >= 10
    problems = []
    for name in sorted(old):
        if ("/" in name and exists(name)) or ("/" not in name and resolves(name)):
            problems.append(f"'Where names went' says {name} is gone, but it is there")
    for name in sorted(new):
        if "<family>" in name:
            ok = any(exists(name.replace("<family>", f)) for f in
                     os.listdir(os.path.join(ROOT, "kerasgen", "models")))
        else:
            ok = exists(name) if "/" in name else resolves(name)
        if not ok:
            problems.append(f"'Where names went' points to {name}, which does not exist")
    for page in PAGES:
        text = read(page)
        if page == INDEX:
            text = text.replace(moved, "")
        for name in set(re.findall(r"\bkerasgen(?:\.[A-Za-z_]\w*)+", text)):
            if name not in old and not resolves(name):
                problems.append(f"{page}: {name} does not resolve")
        for path in set(re.findall(r"(?<![\w./])((?:kerasgen|configs|tests|bench|docs)/"
                                   r"[\w./<>-]*\w)", text)):
            if path in old or "<" in path or path.startswith("tests/test_docs"):
                continue
            if not exists(path):
                problems.append(f"{page}: path {path} does not exist")
    assert not problems, "\n".join(problems)


# ---- running the blocks --------------------------------------------------------------------


def runnable_pages():
    return [page for page in PAGES if any(b.runs for b in blocks(page))]


DRIVER = textwrap.dedent("""\
    import json, sys, time
    namespace = {"__name__": "__main__"}
    for where, code in json.load(open(sys.argv[1])):
        print(f"### {where}", flush=True)
        started = time.time()
        exec(compile(code, where, "exec"), namespace)
        print(f"### {where} done in {time.time() - started:.1f} s", flush=True)
""")


def write_shims(folder):
    """`kerasgen` and `python` on PATH, both running this checkout with the test's Python."""
    os.makedirs(folder)
    shims = {"kerasgen": f'exec "{sys.executable}" -m kerasgen.cli "$@"\n',
             "python": f'exec "{sys.executable}" "$@"\n'}
    shims["python3"] = shims["python"]
    for name, body in shims.items():
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)


def groups(page_blocks):
    """Consecutive blocks of one kind (python / shell) in page order."""
    out = []
    for b in page_blocks:
        kind = "python" if b.lang in PYTHON_LANGS else "shell"
        if out and out[-1][0] == kind:
            out[-1][1].append(b)
        else:
            out.append((kind, [b]))
    return out


@pytest.mark.parametrize("page", runnable_pages())
def test_page_blocks_run(page, tmp_path):
    data = data_root()
    page_blocks = [b for b in blocks(page) if b.runs]
    dropped = [b.where for b in page_blocks if b.needs_data and data is None]
    if dropped and os.environ.get("KERASGEN_REQUIRE_DATA"):
        pytest.fail("KERASGEN_REQUIRE_DATA is set but no data folder was found for "
                    + ", ".join(dropped))
    page_blocks = [b for b in page_blocks if not (b.needs_data and data is None)]
    toy = toy_arguments()
    work, bin_dir = tmp_path / "work", str(tmp_path / "bin")
    work.mkdir()
    os.symlink(os.path.join(ROOT, "configs"), work / "configs")
    write_shims(bin_dir)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"],
               PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")]
                                                    if p]),
               KERASGEN_HOME=str(tmp_path / "home"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONUNBUFFERED="1")
    if data:
        env["KERASGEN_DATA"] = data
    for n, (kind, group) in enumerate(groups(page_blocks)):
        if kind == "python":
            script = tmp_path / f"group{n}.json"
            script.write_text(json.dumps([(b.where, toy_code(b, toy)) for b in group]))
            command = [sys.executable, "-c", DRIVER, str(script)]
        else:
            script = tmp_path / f"group{n}.sh"
            script.write_text("".join(f"echo '### {b.where}'\n{toy_code(b, toy)}\n"
                                      for b in group))
            command = ["bash", "-euo", "pipefail", str(script)]
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                                timeout=TIMEOUT)
        if result.returncode:
            ran = re.findall(r"^### (\S+)$", result.stdout, re.M)
            raise AssertionError(
                f"{ran[-1] if ran else group[0].where} failed (exit {result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    if dropped:
        pytest.skip("real data not found: set KERASGEN_DATA; not run: " + ", ".join(dropped))
