"""Services: what the interfaces (CLI, web, reports) call.

`nosetwitch.services.diary.DiaryService` reads and writes one person's diary.
"""
