#!/usr/bin/env bash
# Installs the Debian packages the packets and tests need, if they are missing:
#   fonts-dejavu-core   DejaVu Sans: Latin (incl. Vietnamese), Greek, Cyrillic, check boxes
#   fonts-wqy-microhei  WenQuanYi Micro Hei (TrueType): the CJK fallback for names
#   fonts-lohit-deva    Lohit Devanagari: the Hindi interpreter tagline (shaped with uharfbuzz)
#   fonts-hosny-amiri   Amiri: the Arabic-script letters DejaVu Sans lacks (Urdu's final yeh barree)
#   poppler-utils       pdftotext/pdftoppm/pdffonts, used by tests and for looking at pages
#   libdmtx0b           libdmtx, which draws the consent's Data Matrix scan-back codes (via pylibdmtx)
#   dmtx-utils          dmtxread: the tests decode Data Matrix codes with libdmtx
#   zbar-tools          zbarimg: the tests decode QR and Code 128 codes with zbar
#   cups                CUPS: the tests start a private print server (generate.py print prints through it)
#   printer-driver-cups-pdf  the tests' virtual printer: cups-pdf writes each printed job as a PDF
#   libcups2-dev        libcups's headers, to build pycups (the IPP client) where pip finds no wheel
#   chromium, chromium-driver  the web app's browser tests (Selenium drives headless Chromium)
#   nodejs, npm         npm installs axe-core (package-lock.json), the browser tests' accessibility checker
#   postgresql          the tests' PostgreSQL pass (they start a private server on loopback)
#   libpdfbox2-java, libactivation-java, libjaxb-api-java   Apache PDFBox Preflight: the tests' PDF/A checker
# Fonts are never committed to the repository; they come from these packages.
set -euo pipefail

need=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ -f /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf ] || need+=(fonts-lohit-deva)
[ -f /usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf ] || need+=(fonts-hosny-amiri)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
compgen -G '/usr/lib/*/libdmtx.so.0*' >/dev/null || need+=(libdmtx0b)
command -v dmtxread >/dev/null 2>&1 || need+=(dmtx-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
[ -x /usr/sbin/cupsd ] || need+=(cups)
[ -f /usr/lib/cups/backend/cups-pdf ] || need+=(printer-driver-cups-pdf)
[ -f /usr/include/cups/cups.h ] || need+=(libcups2-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
[ -f /usr/share/java/preflight.jar ] || need+=(libpdfbox2-java)
[ -f /usr/share/java/javax.activation.jar ] || need+=(libactivation-java)
[ -f /usr/share/java/jaxb-api.jar ] || need+=(libjaxb-api-java)
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
