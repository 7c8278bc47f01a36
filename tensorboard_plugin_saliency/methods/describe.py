"""The methods' table as text: the methods guide's Markdown table
(docs/guides/methods.md) and the command line's `tensorboard-saliency methods` (both
read `table.TABLE`, so neither drifts)."""

from tensorboard_plugin_saliency.methods import table


def _default(value):
    return "None" if value is None else repr(value) if isinstance(value, str) else str(value)


def _params(method):
    return ", ".join(f"`{p.name}={_default(p.default)}`" for p in method.params)


def _peers(method):
    return "; ".join(f"{library}: `{name}`" for library, name in method.peers.items())


def markdown():
    """The methods guide's table of methods, one row per method of `table.TABLE`."""
    lines = [
        "| method (older name) | parameters and defaults | needs | model calls per image "
        "| paper | in PAIR `saliency`, Captum, keras-vis |",
        "|---|---|---|---|---|---|",
    ]
    for method in table.TABLE:
        name = f"`{method.name}`"
        if method.aliases:
            name += " (" + ", ".join(f"`{alias}`" for alias in method.aliases) + ")"
        lines.append(
            f"| {name} | {_params(method)} | {method.needs} | {method.cost} "
            f"| {method.paper} | {_peers(method)} |"
        )
    return "\n".join(lines)


def text(name=None):
    """Plain text for the command line: every method in one line each, or one method
    (`name`, an older name too) with its parameters and what they mean."""
    if name is None:
        width = max(len(m.name) for m in table.TABLE)
        return "\n".join(f"{m.name:<{width}}  {m.summary}" for m in table.TABLE)
    method = table.METHODS[table.canonical(name, "name")]
    lines = [
        f"{method.name}: {method.summary}",
        f"  paper: {method.paper}",
        f"  needs: {table.NEEDS[method.needs]}",
        f"  model calls per image: {method.cost.replace('`', '')}",
        f"  returns: {method.returns} (PyTorch: channels first)",
    ]
    if method.aliases:
        lines.append("  older names: " + ", ".join(method.aliases))
    if method.peers:
        lines.append("  elsewhere: " + _peers(method).replace("`", ""))
    lines.append("  parameters:" if method.params else "  parameters: none")
    for p in method.params:
        lines.append(f"    {p.name}={_default(p.default)}: {p.meaning}")
    return "\n".join(lines)
