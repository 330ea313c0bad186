"""Screenshots of the dashboard with the demo data: desktop and 360 px, light and dark, en and es.

Usage: python scripts/screenshots.py http://127.0.0.1:8000 OUTDIR
Signs in as the demo participant through a one-off password set by the caller
(DEMO_PASSWORD) and saves PNGs to OUTDIR.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def main(base, outdir, path="/"):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("en", "es"):
            for scheme in ("light", "dark"):
                for name, size in (("desktop", (1280, 900)), ("mobile", (360, 740))):
                    ctx = browser.new_context(
                        viewport={"width": size[0], "height": size[1]},
                        color_scheme=scheme,
                        locale=lang,
                        extra_http_headers={"Accept-Language": lang},
                    )
                    page = ctx.new_page()
                    page.goto(base + "/accounts/login/")
                    page.fill("input[name=login]", os.environ.get("DEMO_EMAIL", "demo@hundreddays.example"))
                    page.fill("input[name=password]", os.environ["DEMO_PASSWORD"])
                    page.click("form[action='/accounts/login/'] button[type=submit]")
                    page.wait_for_load_state()
                    page.goto(base + path)
                    file = out / f"dashboard-{name}-{scheme}-{lang}.png"
                    page.screenshot(path=str(file), full_page=True)
                    print(file)
                    ctx.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
