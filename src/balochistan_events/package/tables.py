"""Parsed tables as the validator and the rules see them: typed Arrow columns plus file lines."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

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

    def series(self, name: str):
        return self._series[name]

    @cached_property
    def _series(self):
        return _SeriesCache(self)


class _SeriesCache(dict):
    def __init__(self, table: TableData):
        super().__init__()
        self.table = table

    def __missing__(self, name):
        arr = self.table.typed[name]
        if pa.types.is_date32(arr.type):
            s = arr.cast(pa.timestamp("s")).to_pandas()
        elif pa.types.is_integer(arr.type):
            import pandas as pd
            s = arr.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        else:
            s = arr.to_pandas()
        self[name] = s
        return s
