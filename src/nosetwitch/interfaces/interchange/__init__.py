"""Reading and writing the diary interchange format (and, later, CSV and FHIR)."""

from nosetwitch.interfaces.interchange.diary_json import (
    MAX_DIARY_BYTES,
    DiaryFormatError,
    diary_to_dict,
    diary_to_json,
    load_diary_file,
    parse_diary,
)

__all__ = ["MAX_DIARY_BYTES", "DiaryFormatError", "diary_to_dict", "diary_to_json", "load_diary_file", "parse_diary"]
