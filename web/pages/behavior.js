// Model Behavior: what the models produce, caching, routing, and who uses them.
export default {
  title: 'Model Behavior',
  panels: [
    { id: 'output-tokens', title: 'Output tokens per request', type: 'line', unit: 'tokens', calls: {},
      help: 'quantile bands of loupe_llm_output_tokens',
      queries: [0.25, 0.5, 0.9, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(loupe_llm_output_tokens_bucket{$sel}[$rate])))`,
        legend: 'p' + Math.round(q * 100), fill: q === 0.5,
      })) },
    { id: 'cache-hit', title: 'Prompt-cache hit ratio', type: 'line', unit: '%', calls: {},
      help: 'cached input tokens / input tokens, by model',
      queries: [{ expr: '100 * sum by (model) (rate(loupe_llm_cached_input_tokens_total{$sel}[$rate])) / sum by (model) (rate(loupe_llm_input_tokens_total{$sel}[$rate]))', legend: '{{model}}' }] },
    { id: 'route-mix', title: 'Route mix', type: 'area', unit: '%', calls: {},
      help: 'share of requests by route',
      queries: [{ expr: '100 * sum by (route) (rate(loupe_llm_requests_total{$sel}[$rate])) / scalar(sum(rate(loupe_llm_requests_total{$sel}[$rate])))', legend: '{{route}}' }] },
    { id: 'latency', title: 'Request latency', type: 'line', unit: 's', calls: {},
      queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(loupe_llm_request_duration_seconds_bucket{$sel}[$rate])))`, legend: 'p' + Math.round(q * 100) })) },
    { id: 'top-users', title: 'Top users by tokens', type: 'table', calls: {},
      llm: { api: 'top', params: { by: 'user', metric: 'tokens', limit: 15 } },
      columns: [
        { key: 'key', label: 'user', link: (r, ctx) => (r.key ? ctx.callsLink({ user: r.key }) : null) },
        { key: 'calls', label: 'calls', unit: '' },
        { key: 'input_tokens', label: 'input', unit: 'tokens' },
        { key: 'output_tokens', label: 'output', unit: 'tokens' },
        { key: 'cost_usd', label: 'cost', unit: '$' },
      ] },
    { id: 'top-templates', title: 'Top prompt templates by cost', type: 'table', calls: {},
      llm: { api: 'top', params: { by: 'template', metric: 'cost', limit: 15 } },
      columns: [
        { key: 'key', label: 'template', link: (r, ctx) => (r.key ? ctx.callsLink({ template: r.key }) : null) },
        { key: 'calls', label: 'calls', unit: '' },
        { label: 'tokens', unit: 'tokens', get: (r) => r.input_tokens + r.output_tokens },
        { key: 'cost_usd', label: 'cost', unit: '$' },
        { label: 'per call', unit: '$', get: (r) => (r.cost_usd == null || !r.calls ? null : r.cost_usd / r.calls) },
      ] },
  ],
};
