#!/usr/bin/env bash
# Prints the root of a Terraform filesystem mirror on this machine that holds hashicorp/aws at the given
# version (default 5.100.0), or exits 1. Terraform's implied mirror folders first, then a search.
set -uo pipefail
version=${1:-5.100.0}
suffix="registry.terraform.io/hashicorp/aws/$version"
for root in "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins" \
  /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
  if [ -d "$root/$suffix" ]; then echo "$root"; exit 0; fi
done
found=$(find / -xdev -type d -path "*/$suffix" -prune -print 2>/dev/null | head -n 1)
if [ -n "$found" ]; then echo "${found%/"$suffix"}"; exit 0; fi
exit 1
