"""Build the Lambda package: the skill's Lambda path, responses/ and requirements-lambda.txt.

`python deploy/build_lambda.py` fills build/lambda/ and writes build/lambda.zip, which
serverless.yml deploys as it is (package.artifact). Only the skill modules that
skill/alexa/lambda_function.py reaches through its imports go in, so audio, the web service,
the kiosk and the matcher (and what they depend on) never reach Lambda; nor do the two
catalogue checks that only run where Lambda never does (LEFT_OUT_MODULES). The zip is
reproducible: sorted entries, fixed dates and modes, hash-checked bytecode.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = PROJECT_ROOT / "requirements-lambda.txt"
BUILD_DIR = PROJECT_ROOT / "build" / "lambda"
ZIP_PATH = PROJECT_ROOT / "build" / "lambda.zip"
ENTRY_MODULE = "skill.alexa.lambda_function"

# Lambda's python3.11 runtime on x86_64 (serverless.yml: runtime and architecture).
TARGET_PYTHON = "3.11"
TARGET_PLATFORM = "manylinux2014_x86_64"
TARGET_ABI = "cp311"

# Never in the Lambda package: each would drag in packages Lambda must not carry.
FORBIDDEN_MODULES = ("skill.audio", "skill.alexa.web", "skill.kiosk", "skill.understanding",
                     "skill.alexa.verification", "skill.alexa.compat")
# Imported on the Lambda path only inside functions, behind a guard Lambda never passes, so
# left out: the schema only where pydantic is installed (requirements-lambda.txt has none,
# and check_catalogues runs it on every catalogue first), the pattern probe only for full
# loads, which read responses/red-flags/ (not in the package either).
LEFT_OUT_MODULES = frozenset({"skill.catalogue.schema", "skill.catalogue.pattern_safety"})
# Installed by pip but not needed to run (console scripts, caches).
DROPPED_DIRS = ("bin", "__pycache__")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    """The package cannot be built as asked."""


def module_path(module: str) -> Path | None:
    """Return the source file of a skill module (a package's __init__.py), or None."""
    base = PROJECT_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_skill_modules(path: Path, module: str, *, in_functions: bool = True) -> set[str]:
    """Return the skill.* modules one file imports: anywhere, or only as it loads."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree) if in_functions else _run_on_load(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            # `from skill.alexa import handlers` names a module; `from skill.x import y` a member.
            names = [source, *(f"{source}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if (name == "skill" or name.startswith("skill.")) and module_path(name):
                found.add(name)
    return found


def _run_on_load(tree: ast.Module):
    """Yield the nodes of a module outside function bodies: what runs when it is imported."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(child for child in ast.iter_child_nodes(node) if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))


def lambda_modules(entry: str = ENTRY_MODULE) -> list[str]:
    """Return every skill module the Lambda entry point reaches, refusing forbidden ones."""
    seen: set[str] = set()
    pending = [entry, "skill"]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        # A submodule needs its parent packages' __init__.py to import.
        parent = module.rpartition(".")[0]
        if parent:
            pending.append(parent)
        path = module_path(module)
        if path is None:
            raise BuildError(f"{module} is imported on the Lambda path but has no source file")
        if on_load := sorted(imported_skill_modules(path, module, in_functions=False)
                             & LEFT_OUT_MODULES):
            raise BuildError(f"{module} imports {', '.join(on_load)} as it loads; the Lambda "
                             "package leaves that out, so import it inside the function that "
                             "needs it, behind the guard Lambda never passes.")
        pending.extend(imported_skill_modules(path, module) - seen - LEFT_OUT_MODULES)
    forbidden = sorted(m for m in seen if m.startswith(FORBIDDEN_MODULES))
    if forbidden:
        raise BuildError(f"The Lambda path imports {', '.join(forbidden)}; those modules and "
                         "their dependencies must stay out of Lambda. Import them lazily "
                         "elsewhere or move what Lambda needs into a module of its own.")
    return sorted(seen)


def pinned_names(requirements: Path = REQUIREMENTS) -> set[str]:
    """Return the normalized project names pinned in a requirements file."""
    names = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version.strip():
            raise BuildError(f"{requirements.name}: {line!r} is not pinned with ==")
        names.add(normalize(name))
    return names


def normalize(name: str) -> str:
    """Normalize a distribution name as PEP 503 does."""
    return "-".join(name.replace("_", "-").replace(".", "-").lower().split("-"))


def install_requirements(target: Path, requirements: Path = REQUIREMENTS) -> None:
    """Install the pinned requirements as Lambda's CPython 3.11 on x86_64 would load them."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-input", "--no-compile", "--target", str(target),
        "--only-binary=:all:", "--platform", TARGET_PLATFORM, "--python-version", TARGET_PYTHON,
        "--implementation", "cp", "--abi", TARGET_ABI,
        "--requirement", str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"pip could not install {requirements.name}:\n{result.stderr.strip()}")
    installed = {normalize(p.name.split("-")[0]) for p in target.glob("*.dist-info")}
    pinned = pinned_names(requirements)
    if installed != pinned:
        raise BuildError(
            f"{requirements.name} and what pip installed differ; pin exactly what runs. "
            f"Installed but not pinned: {sorted(installed - pinned) or 'none'}; "
            f"pinned but not installed: {sorted(pinned - installed) or 'none'}.")


def copy_project_files(target: Path, modules: list[str]) -> list[Path]:
    """Copy the skill modules, the response catalogues and any audio manifests."""
    copied = []
    sources = [module_path(m) for m in modules]
    sources += sorted((PROJECT_ROOT / "responses").glob("*.toml"))
    # With AUDIO_BASE_URL set, the skill plays only clips its manifest lists with the
    # catalogue's words; without the manifest in the package it would read every answer.
    sources += sorted((PROJECT_ROOT / "dist" / "audio").glob("*/manifest.json"))
    for source in sources:
        relative = source.relative_to(PROJECT_ROOT)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        copied.append(relative)
    return copied


def compile_bytecode(target: Path) -> bool:
    """Precompile with hash-checked .pyc: Lambda's code folder is read-only, so it cannot cache."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != TARGET_PYTHON:
        print(f"Not precompiling: this is Python {sys.version.split()[0]}, Lambda runs "
              f"{TARGET_PYTHON}, so its bytecode would be ignored.", file=sys.stderr)
        return False
    # Unchecked hashes: a zip keeps file dates only to 2 s, which would make
    # timestamp-checked .pyc files look stale on Lambda and be compiled again anyway.
    # A separate interpreter, so warnings about the dependencies' own source (invalid
    # escapes in ask-sdk-model docstrings) are not turned into errors by a caller's filters.
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "compileall", "-q", "-j", "0",
         "--invalidation-mode", "unchecked-hash", "-d", "/var/task", str(target)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"Some files in the package do not compile:\n{result.stdout}")
    return True


def write_zip(folder: Path, zip_path: Path) -> int:
    """Zip a folder reproducibly (sorted, fixed dates and modes) and return its size."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(zip_path)
    return zip_path.stat().st_size


def check_catalogues() -> list[str]:
    """Load every locale's catalogue as Lambda will, so a broken one is never shipped."""
    if str(PROJECT_ROOT) not in sys.path:  # run as a script, only deploy/ is on the path
        sys.path.insert(0, str(PROJECT_ROOT))
    from skill.catalogue import CatalogueError, load_catalogue

    locales = sorted(p.stem for p in (PROJECT_ROOT / "responses").glob("*-*.toml"))
    for locale in locales:
        try:
            load_catalogue(locale)
        except CatalogueError as error:
            raise BuildError(f"responses/{locale}.toml cannot ship: {error}") from None
    return locales


def build(folder: Path = BUILD_DIR, zip_path: Path = ZIP_PATH) -> dict:
    """Build the package folder and zip from scratch and describe what went in."""
    modules = lambda_modules()
    check_catalogues()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    install_requirements(folder)
    for name in DROPPED_DIRS:
        for path in list(folder.rglob(name)):
            if path.is_dir():
                shutil.rmtree(path)
    copied = copy_project_files(folder, modules)
    compiled = compile_bytecode(folder)
    size = write_zip(folder, zip_path)
    return {"folder": folder, "zip": zip_path, "zip_bytes": size, "modules": modules,
            "project_files": copied, "precompiled": compiled}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=BUILD_DIR,
                        help="package folder to (re)create (default: %(default)s)")
    parser.add_argument("--zip", type=Path, default=ZIP_PATH, dest="zip_path",
                        help="zip to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        built = build(args.folder.resolve(), args.zip_path.resolve())
    except BuildError as error:
        print(f"Lambda build failed: {error}", file=sys.stderr)
        return 1
    print(f"Skill modules: {', '.join(built['modules'])}")
    print(f"Wrote {built['zip']} ({built['zip_bytes'] / 1024 / 1024:.2f} MiB"
          f"{', precompiled' if built['precompiled'] else ''}) from {built['folder']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
