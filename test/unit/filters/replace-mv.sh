#!/bin/sh
# replace-mv.sh - writes the replacement beside OUTFILE and renames it
# over OUTFILE (as sed -i and many tools do): a new file, same name
printf 'Subject: renamed\n\nnew body\n' > "$OUTFILE.new" &&
mv "$OUTFILE.new" "$OUTFILE"
