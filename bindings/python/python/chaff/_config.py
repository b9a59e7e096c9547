"""What a pipeline stage needs to build its own :class:`chaff.Stripper` in
each worker process: stages are pickled to their workers, a Stripper is not."""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

from ._chaff import Stripper

RulesArg = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], None]


class StripperConfig:
    """The arguments of :class:`chaff.Stripper`, kept as plain data, and the
    stripper built from them on first use in each process."""

    def __init__(
        self,
        rules: RulesArg = None,
        builtin: bool = True,
        mode: str = "strip",
        hash: str = "blake3",
    ) -> None:
        if rules is None:
            paths: list[str] = []
        elif isinstance(rules, (str, os.PathLike)):
            paths = [os.fspath(rules)]
        else:
            paths = [os.fspath(p) for p in rules]
        self.rules = paths
        self.builtin = builtin
        self.mode = mode
        self.hash = hash
        self._stripper: Optional[Stripper] = None
        # Build once here so that a bad rule file fails where the stage is
        # made, not in a worker.
        self.stripper()

    def stripper(self) -> Stripper:
        if self._stripper is None:
            self._stripper = Stripper(self.rules, self.builtin, self.mode, self.hash)
        return self._stripper

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_stripper"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
