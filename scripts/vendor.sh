#!/usr/bin/env bash
# Copy the front-end packages' dist files from node_modules into the git-ignored static folder.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=dangjian/static/vendor
rm -rf "$dest"
mkdir -p "$dest"/bootstrap "$dest"/bootstrap-icons "$dest"/htmx "$dest"/echarts "$dest"/quill
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest"/bootstrap/
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest"/bootstrap/
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest"/bootstrap-icons/
cp -r node_modules/bootstrap-icons/font/fonts "$dest"/bootstrap-icons/
cp node_modules/htmx.org/dist/htmx.min.js "$dest"/htmx/
cp node_modules/echarts/dist/echarts.min.js "$dest"/echarts/
# Rich-text editor of the meeting minutes (the snow theme only; no CDN).
cp node_modules/quill/dist/quill.js node_modules/quill/dist/quill.snow.css "$dest"/quill/
