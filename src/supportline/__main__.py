from __future__ import annotations

from supportline.cli import main

main()
