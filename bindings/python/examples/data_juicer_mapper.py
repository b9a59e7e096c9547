"""A Data-Juicer mapper backed by chaff.

NOT TESTED HERE: Data-Juicer is not installed in this repository's CI. The
interface is Data-Juicer's ``Mapper`` registered in ``OPERATORS``
(``process_single(sample) -> sample`` in 1.x, ``process`` before). Load this
file with the ``custom_operator_paths`` option, then use it in a recipe:

    process:
      - chaff_mapper:
          mode: strip

The provenance record goes into the sample's ``meta`` field under ``chaff``
(Data-Juicer's ``Fields.meta``), so nothing removed is lost.
"""

from __future__ import annotations

from data_juicer.ops.base_op import OPERATORS, Mapper
from data_juicer.utils.constant import Fields

import chaff


@OPERATORS.register_module("chaff_mapper")
class ChaffMapper(Mapper):
    """Strips publisher boilerplate from the text; keeps the record in meta."""

    def __init__(self, rules=None, mode: str = "strip", *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.mode = mode
        self._stripper = None

    def process_single(self, sample):
        if self._stripper is None:
            self._stripper = chaff.Stripper(self.rules, mode=self.mode)
        result = self._stripper.strip(sample[self.text_key])
        sample[self.text_key] = result.clean
        sample.setdefault(Fields.meta, {})["chaff"] = result.record
        return sample

    # Data-Juicer before 1.0 called `process` for one sample.
    process = process_single
