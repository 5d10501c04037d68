"""How the CLI reaches adapters without the core importing any: by module name, at run time.

Each adapter package (``adapters.console``, later ``adapters.slack`` and ``adapters.discord``)
is loaded only when a command asks for it, so the core never imports a platform SDK.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from bot.errors import ConfigError

ADAPTERS = {
    "console": "adapters.console",
    "slack": "adapters.slack",
    "discord": "adapters.discord",
}
EXTRAS = {"slack": "slack", "discord": "discord"}


def load_adapter(name: str) -> ModuleType:
    try:
        return importlib.import_module(ADAPTERS[name])
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get(name)
        hint = f"; install it with: pip install 'bridgework[{extra}]'" if extra else ""
        raise ConfigError(
            name.upper(), f"the {name} adapter is not available ({exc.name}){hint}"
        ) from None
