import type { Estimate } from "./model.ts";

const usd = (value: number) => {
  if (!Number.isFinite(value)) return "n/a";
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
const signed = (value: number) => (value > 0 ? `+${usd(value)}` : value < 0 ? `-${usd(-value)}` : "±$0.00");
const count = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString("en-US") : Number(value.toPrecision(3)).toString();

/** For a terminal: the breakdown by service and item, then the total and the cost per million requests. */
export function renderText(estimate: Estimate): string {
  const lines = [
    `${estimate.environment}: ${usd(estimate.totalUsd)} a month at ${count(estimate.requests)} requests ` +
      `(${usd(estimate.perMillionUsd)} per million requests: ${usd(estimate.fixedUsd)} fixed, ` +
      `plus ${usd(estimate.marginalPerMillionUsd)} per million)`,
    `  prices ${estimate.region} checked ${estimate.pricesChecked}; function figures measured ${estimate.measuredAt}`,
  ];
  const width = Math.max(...estimate.lines.map((line) => `${line.service}: ${line.item}`.length));
  for (const [service, total] of Object.entries(estimate.byService)) {
    lines.push(`  ${service.padEnd(width)}  ${usd(total).padStart(10)}`);
    for (const line of estimate.lines.filter((candidate) => candidate.service === service))
      lines.push(
        `    ${line.item.padEnd(width - 2)}  ${usd(line.usd).padStart(10)}  ${count(line.quantity)} ${line.unit}${line.fixed ? " (fixed)" : ""}`,
      );
  }
  for (const note of estimate.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

/**
 * For the pull request's plan comment: one section per environment with its total, cost per million requests
 * and breakdown, and, given the base branch's estimate, how each moved.
 */
export function renderMarkdown(estimate: Estimate, base?: Estimate): string {
  const moved = (now: number, before: number | undefined) =>
    before === undefined ? "new" : signed(now - before);
  const lines = [
    `<!-- cost-estimate:${estimate.environment} -->`,
    `#### Cost of \`${estimate.environment}\` at ${count(estimate.requests)} requests a month: ${usd(estimate.totalUsd)} (${usd(estimate.perMillionUsd)} per million requests)`,
    "",
    `${usd(estimate.fixedUsd)} of it is fixed; the part that grows with traffic is ${usd(estimate.marginalPerMillionUsd)} per million requests.`,
    "",
  ];
  if (base) {
    const delta = estimate.totalUsd - base.totalUsd;
    lines.push(
      `${delta === 0 ? "Unchanged" : `${signed(delta)} a month`} against the base branch (${usd(base.totalUsd)}; ` +
        `${usd(base.perMillionUsd)} per million requests).`,
      "",
    );
  }
  lines.push(
    base ? "| service | monthly | change | fixed part |" : "| service | monthly | fixed part |",
    base ? "|---|---:|---:|---:|" : "|---|---:|---:|",
  );
  const services = [...new Set([...Object.keys(estimate.byService), ...Object.keys(base?.byService ?? {})])];
  for (const service of services) {
    const now = estimate.byService[service] ?? 0;
    const fixed = estimate.lines
      .filter((line) => line.service === service && line.fixed)
      .reduce((sum, line) => sum + line.usd, 0);
    lines.push(
      base
        ? `| ${service} | ${usd(now)} | ${moved(now, base.byService[service])} | ${usd(fixed)} |`
        : `| ${service} | ${usd(now)} | ${usd(fixed)} |`,
    );
  }
  lines.push(
    "",
    `<sub>\`npm run cost -- ${estimate.environment} --requests ${estimate.requests}\`: prices ${estimate.region} checked ${estimate.pricesChecked}, ` +
      `function figures measured ${estimate.measuredAt}; no free tier.</sub>`,
  );
  if (estimate.notes.length > 0) lines.push("", ...estimate.notes.map((note) => `> ${note}`));
  return `${lines.join("\n")}\n`;
}
