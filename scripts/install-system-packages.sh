#!/usr/bin/env bash
# Installs the Debian packages the packets and tests need, if they are missing:
#   fonts-dejavu-core   DejaVu Sans: Latin (incl. Vietnamese), Greek, Cyrillic, check boxes
#   fonts-wqy-microhei  WenQuanYi Micro Hei (TrueType): the CJK fallback for names
#   poppler-utils       pdftotext/pdftoppm/pdffonts, used by tests and for looking at pages
# Fonts are never committed to the repository; they come from these packages.
set -euo pipefail

need=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
