#!/usr/bin/env bash
# Refresh the English catalogue from the Russian source strings (msgids) of templates and Python:
#   bash scripts/messages.sh
# makemessages keeps every existing translation (it merges with msgmerge); a new string arrives
# with an empty msgstr, a changed one as "#, fuzzy" with the old translation. Translate those in
# src/supportline/locale/en/LC_MESSAGES/django.po, delete the fuzzy flags, and run this again:
# it compiles django.mo and reports what is still untranslated or fuzzy (exit status 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DJANGO_SETTINGS_MODULE=supportline.test_settings
export PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}"
django_admin="$root/.venv/bin/django-admin"
locale="$root/src/supportline/locale/en"
po="$locale/LC_MESSAGES/django.po"

cd "$root/src/supportline"
"$django_admin" makemessages -l en --no-obsolete -e html,txt,py \
  --ignore 'static/*' --ignore 'locale/*' --ignore '__pycache__/*'

# xgettext 0.21 does not see gettext calls inside Python f-strings: keep `_()` out of them
# (format with named placeholders: _("… %(name)s …") % {...}) or the string never gets here.

msgfmt --check-format -o /dev/null "$po"
"$django_admin" compilemessages -l en

# msgattrib prints entries still to translate (its output then starts with the header entry).
count() { msgattrib "$1" --no-obsolete "$po" | grep -c '^msgid ' || true; }
untranslated="$(count --untranslated)"
fuzzy="$(count --only-fuzzy)"
if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
  echo "messages: translate $po — untranslated: $((untranslated > 0 ? untranslated - 1 : 0)), fuzzy: $((fuzzy > 0 ? fuzzy - 1 : 0))" >&2
  msgattrib --untranslated --no-obsolete "$po" | grep '^#:' >&2 || true
  msgattrib --only-fuzzy --no-obsolete "$po" | grep '^#:' >&2 || true
  exit 1
fi
echo "messages: $po is complete; django.mo compiled"
