// Service Health: latency, traffic, errors and the serving stack (vLLM, GPUs).
const q3 = (inner) => [0.5, 0.95, 0.99].map((q) => ({ expr: inner(q), legend: 'p' + Math.round(q * 100) }));

const ttft = (q) =>
  `histogram_quantile(${q}, sum by (le) (rate(loupe_llm_time_to_first_token_seconds_bucket{$sel}[$rate])))` +
  ` or histogram_quantile(${q}, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{$vsel}[$rate])))`;
const itl = (q) =>
  `histogram_quantile(${q}, sum by (le) (rate(vllm:inter_token_latency_seconds_bucket{$vsel}[$rate])))` +
  ` or histogram_quantile(${q}, sum by (le) (rate(vllm:time_per_output_token_seconds_bucket{$vsel}[$rate])))`;

export default {
  title: 'Service Health',
  panels: [
    { id: 'ttft', title: 'Time to first token', type: 'line', unit: 's', queries: q3(ttft), calls: {},
      help: 'p50 / p95 / p99 from traces (loupe_llm_time_to_first_token_seconds), else from vLLM' },
    { id: 'itl', title: 'Inter-token latency', type: 'line', unit: 's', queries: q3(itl), empty: 'vllm',
      help: 'p50 / p95 / p99 from vLLM (vllm:inter_token_latency_seconds, older vllm:time_per_output_token_seconds)' },
    { id: 'request-rate', title: 'Request rate by model', type: 'area', unit: '/s', calls: {},
      queries: [{ expr: 'sum by (model) (rate(loupe_llm_requests_total{$sel}[$rate]))', legend: '{{model}}' }] },
    { id: 'error-rate', title: 'Error rate by model', type: 'line', unit: '%', calls: { status: 'error' },
      queries: [{ expr: '100 * (sum by (model) (rate(loupe_llm_requests_total{status="error",$sel}[$rate])) or 0 * sum by (model) (rate(loupe_llm_requests_total{$sel}[$rate]))) / sum by (model) (rate(loupe_llm_requests_total{$sel}[$rate]))', legend: '{{model}}' }] },
    { id: 'error-classes', title: 'Errors by class', type: 'hbar', unit: '', calls: { status: 'error' }, limit: 10,
      empty: 'No failed LLM calls in this time range.',
      help: 'error.type of the most recent (up to 1000) failed calls in the range',
      llm: { api: 'calls', params: { status: 'error', limit: 1000 } },
      transform: (b) => {
        const m = new Map();
        for (const c of b.calls || []) { const k = c.error || '(no error type)'; m.set(k, (m.get(k) || 0) + 1); }
        return [...m].map(([label, value]) => ({ label, value, metric: {} })).sort((a, b2) => b2.value - a.value);
      } },
    { id: 'kv-cache', title: 'KV-cache utilisation', type: 'line', unit: '%', empty: 'vllm',
      queries: [{ expr: '100 * (vllm:kv_cache_usage_perc{$vsel} or vllm:gpu_cache_usage_perc{$vsel})', legend: '{{model_name}} {{instance}}' }] },
    { id: 'queue-depth', title: 'Queue depth (waiting requests)', type: 'line', unit: '', empty: 'vllm',
      queries: [{ expr: 'sum by (model_name, instance) (vllm:num_requests_waiting{$vsel})', legend: '{{model_name}} {{instance}}' }] },
    { id: 'gpu-memory', title: 'GPU memory used', type: 'line', unit: '%', empty: 'dcgm',
      help: 'DCGM_FI_DEV_FB_USED / (FB_USED + FB_FREE) per GPU',
      queries: [{ expr: '100 * DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)', legend: '{{Hostname}} gpu {{gpu}}' }] },
    { id: 'gpu-sm', title: 'GPU SM activity', type: 'line', unit: '%', empty: 'dcgm',
      queries: [{ expr: '100 * DCGM_FI_PROF_SM_ACTIVE', legend: '{{Hostname}} gpu {{gpu}}' }] },
  ],
};
