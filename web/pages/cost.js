// Cost: what the LLM calls cost, who spends it, and where tokens go.
const q3 = (inner) => [0.5, 0.95, 0.99].map((q) => ({ expr: inner(q), legend: 'p' + Math.round(q * 100) }));
// input + output tokens by the given labels (a group with only one of them still counts)
const tokens = (by, fn, w) => {
  const a = `sum by (${by}) (${fn}(loupe_llm_input_tokens_total{$sel}[${w}]))`;
  const b = `sum by (${by}) (${fn}(loupe_llm_output_tokens_total{$sel}[${w}]))`;
  return `(${a} + ${b}) or ${a} or ${b}`;
};
const DAY = 86400;
const sum = (rows, k) => rows.reduce((a, r) => a + (Number.isFinite(r[k]) ? r[k] : 0), 0);

export default {
  title: 'Cost',
  panels: [
    { id: 'total-cost', title: 'Total cost', type: 'stat', unit: '$', calls: {},
      llm: { api: 'top', params: { by: 'route', metric: 'cost', limit: 1000 } },
      transform: (rows) => (rows.length ? sum(rows, 'cost_usd') : null) },
    { id: 'total-calls', title: 'Calls', type: 'stat', unit: '', calls: {},
      llm: { api: 'top', params: { by: 'route', metric: 'cost', limit: 1000 } },
      transform: (rows) => (rows.length ? sum(rows, 'calls') : null) },
    { id: 'total-tokens', title: 'Tokens (in + out)', type: 'stat', unit: 'tokens', calls: {},
      llm: { api: 'top', params: { by: 'route', metric: 'cost', limit: 1000 } },
      transform: (rows) => (rows.length ? sum(rows, 'input_tokens') + sum(rows, 'output_tokens') : null) },
    { id: 'unpriced-count', title: 'Unpriced calls', type: 'stat', unit: '', calls: {},
      help: 'calls whose model has no price: their cost is unknown, not 0',
      llm: { api: 'top', params: { by: 'route', metric: 'cost', limit: 1000 } },
      transform: (rows) => (rows.length ? sum(rows, 'unpriced') : null) },

    { id: 'cost-per-request', title: 'Cost per request', type: 'line', unit: '$', calls: {},
      queries: q3((q) => `histogram_quantile(${q}, sum by (le) (rate(loupe_llm_cost_per_request_usd_bucket{$sel}[$rate])))`) },
    { id: 'cost-by-model', title: 'Cost rate by model', type: 'area', unit: '$', calls: {},
      help: 'USD per hour', queries: [{ expr: '3600 * sum by (model) (rate(loupe_llm_cost_usd_total{$sel}[$rate]))', legend: '{{model}}' }] },

    { id: 'cost-trend-30d', title: 'Cost per day, last 30 days', type: 'bars', unit: '$', span: 12, calls: {},
      help: 'increase(loupe_llm_cost_usd_total[1d]) per UTC day over the last 30 days, whatever the time range above',
      range: (r) => {
        const end = (Math.floor(Date.now() / 1000 / DAY) + 1) * DAY;
        return { ...r, start: end - 29 * DAY, end, step: DAY, from: (end - 30 * DAY) * 1000, to: end * 1000 };
      },
      shift: -DAY,
      queries: [{ expr: 'sum by (model) (increase(loupe_llm_cost_usd_total{$sel}[1d]))', legend: '{{model}}' }] },

    { id: 'tokens-by-model-route', title: 'Tokens by model and route', type: 'area', unit: 'tokens/s', calls: {},
      queries: [{ expr: tokens('model, route', 'rate', '$rate'), legend: '{{model}} · {{route}}' }] },
    { id: 'cloud-local-share', title: 'Cloud vs local share of tokens', type: 'hbar', unit: 'tokens', share: true, calls: {},
      help: 'input + output tokens in the range, by route',
      queries: [{ expr: tokens('route', 'increase', '$range'), legend: '{{route}}' }] },

    { id: 'cost-per-user', title: 'Cost per user', type: 'table', span: 6, calls: {},
      help: 'top 20 users by cost in the range; per day = cost / days in the range (ranges under a day count as one day)',
      llm: { api: 'top', params: { by: 'user', metric: 'cost', limit: 20 } },
      columns: [
        { key: 'key', label: 'user', link: (r, ctx) => (r.key ? ctx.callsLink({ user: r.key }) : null) },
        { key: 'calls', label: 'calls', unit: '' },
        { label: 'tokens', unit: 'tokens', get: (r) => r.input_tokens + r.output_tokens },
        { key: 'cost_usd', label: 'cost', unit: '$' },
        { label: 'per day', unit: '$', get: (r, ctx) => (r.cost_usd == null ? null : r.cost_usd / Math.max(ctx.range.days, 1)) },
      ] },
    { id: 'unpriced', title: 'Unpriced calls by model', type: 'table', span: 6, calls: {},
      help: 'models without a price in the price table: add them to the pricing file',
      empty: 'Every LLM call in this time range has a price.',
      llm: { api: 'top', params: { by: 'model', metric: 'calls', limit: 1000 } },
      transform: (rows) => rows.filter((r) => r.unpriced > 0),
      columns: [
        { key: 'key', label: 'model', link: (r, ctx) => ctx.callsLink({ model: r.key }) },
        { key: 'unpriced', label: 'unpriced calls', unit: '' },
        { key: 'calls', label: 'all calls', unit: '' },
      ] },
  ],
};
