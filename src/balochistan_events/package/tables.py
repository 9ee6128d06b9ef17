"""Parsed tables as the validator and the rules see them: typed Arrow columns plus file lines."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from balochistan_events.package.descriptor import Resource


@dataclass
class TableData:
    resource: Resource
    file: str
    lines: np.ndarray
    typed: dict[str, pa.Array] = field(default_factory=dict)   # field name -> typed array (bad cells null)
    raw: dict[str, pa.Array] = field(default_factory=dict)     # field name -> text as in the file
    readable: bool = True

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def num_rows(self) -> int:
        return len(self.lines)

    def has(self, *names: str) -> bool:
        return self.readable and all(n in self.typed for n in names)
