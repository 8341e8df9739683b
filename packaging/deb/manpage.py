#!/usr/bin/env python3
"""Writes backup-exporter(1) from the argument parser's own description of the command line.

    backup-exporter --experimental-dump-help | packaging/deb/manpage.py VERSION > backup-exporter.1

swift-argument-parser describes every subcommand, flag, default and help text as JSON; this
turns that into a man page, so the page can never drift from --help.
"""
import json
import sys


def esc(text):
    text = (text or "").replace("\\", "\\e")
    # A line starting with . or ' would be read as a request.
    return "\n".join(("\\&" + line) if line[:1] in (".", "'") else line for line in text.split("\n"))


def names(arg):
    out = []
    for name in arg.get("names", []):
        kind = name.get("kind")
        prefix = "-" if kind == "short" else "--"
        out.append(prefix + name["name"])
    return out


def option_lines(arguments):
    lines = []
    for arg in arguments or []:
        if not arg.get("shouldDisplay", True):
            continue
        flags = names(arg)
        label = ", ".join(f"\\fB{esc(f)}\\fR" for f in flags) if flags else f"\\fI{esc(arg.get('valueName', ''))}\\fR"
        if arg.get("kind") == "option":
            label += f" \\fI{esc(arg.get('valueName', 'value'))}\\fR"
        lines.append(".TP")
        lines.append(label)
        text = arg.get("abstract", "")
        if arg.get("defaultValue") not in (None, ""):
            text += f" (default: {arg['defaultValue']})"
        lines.append(esc(text))
    return lines


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else ""
    command = json.load(sys.stdin)["command"]
    name = command["commandName"]
    out = [
        f'.TH {name.upper()} 1 "" "{esc(name)} {esc(version)}" "User Commands"',
        ".SH NAME",
        f"{esc(name)} \\- {esc(command.get('abstract', ''))}",
        ".SH SYNOPSIS",
        f".B {esc(name)}",
        "[\\fIsubcommand\\fR] [\\fIoptions\\fR]",
        ".SH DESCRIPTION",
        esc(command.get("discussion") or command.get("abstract", "")),
        ".SH OPTIONS",
    ]
    out += option_lines(command.get("arguments"))
    subcommands = [s for s in command.get("subcommands", []) if s.get("shouldDisplay", True) and s["commandName"] != "help"]
    if subcommands:
        out.append(".SH SUBCOMMANDS")
        for sub in subcommands:
            default = " (the default)" if sub["commandName"] == command.get("defaultSubcommand") else ""
            out += [".SS", f"\\fB{esc(name)} {esc(sub['commandName'])}\\fR{default}", esc(sub.get("abstract", ""))]
            if sub.get("arguments"):
                out.append(".RS")
                out += option_lines(sub["arguments"])
                out.append(".RE")
    out += [
        ".SH FILES",
        ".TP",
        "\\fI/etc/backup-exporter/config.yaml\\fR",
        "the targets to poll (see /usr/share/doc/backup-exporter/example.yaml)",
        ".TP",
        "\\fI/etc/default/backup-exporter\\fR",
        "extra flags for backup-exporter.service",
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), /usr/share/doc/backup-exporter/README-service.md",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
