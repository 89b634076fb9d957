// corpus.mjs - the text of the demo: prompt templates (system prompts),
// user questions and model answers (some non-English, CJK included), tool
// results and filler paragraphs.  `{slot}` placeholders are filled by
// generate.mjs (fill()) from SLOTS with its seeded PRNG.

export const SLOTS = {
  name: ['Maya', 'Jonas', 'Priya', 'Lucas', 'Aiko', 'Mateo', 'Fatima', 'Oliver', 'Chen', 'Sofia', 'Noah', 'Amara',
    'Elif', 'Kenji', 'Lena', 'Diego', 'Hannah', 'Ravi', 'Zoe', 'Tomasz'],
  company: ['Northwind Traders', 'Globex', 'Initech', 'Umbrella Health', 'Stark Logistics', 'Wayne Analytics',
    'Soylent Foods', 'Hooli', 'Vandelay Imports', 'Pied Piper', 'Cyberdyne Robotics', 'Tyrell Bio'],
  region: ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-northeast-1', 'ap-southeast-1'],
  plan: ['Starter', 'Team', 'Enterprise'],
  cluster: ['prod-payments', 'staging-web', 'ml-training', 'analytics', 'edge-cache', 'prod-api', 'batch-jobs'],
  bucket: ['invoices-archive', 'ml-datasets', 'user-uploads', 'backups-nightly', 'static-assets', 'logs-cold'],
  // {invoice}, {num} and {sender} are made by generate.mjs (seeded numbers, fixed sender)
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
  lang: ['Japanese', 'Simplified Chinese', 'Korean', 'German', 'French', 'Spanish'],
  k8s: ['1.29', '1.30', '1.31'],
  repo: ['acme/billing-service', 'acme/web-console', 'acme/storage-gateway', 'acme/auth-proxy', 'acme/metrics-agent'],
};

/* ------------------------------------------------------------------ templates
 * name: the template name (gen_ai.prompt.name); system: the system prompt. */
export const SYSTEM = {
  'support-triage': `You are Aria, the first-line support assistant for Acme Cloud, a managed Kubernetes and object-storage provider.
Your goals, in order: (1) resolve the customer's issue in as few turns as possible, (2) never invent account details, prices or policies, (3) escalate when you cannot help.
Rules:
- Greet the customer once, by first name if known. Ask at most one clarifying question per turn.
- For outages, first check the status summary in the context; if an incident is open for the customer's region, say so and give the incident id.
- Never ask for passwords, full card numbers or MFA codes.
- Billing questions go to the billing flow: reply with the handoff token <<HANDOFF:billing>>.
- Answer in the customer's language.
- Use short paragraphs and numbered steps for procedures.
- If the customer is angry, acknowledge the frustration in one sentence, then move on to the fix.
- End every answer with a one-line summary starting with "Next step:".
Product facts: plans are Starter, Team and Enterprise; Team includes a 99.9% SLA, Enterprise 99.95% and a named technical account manager. Regions: eu-west-1, eu-central-1, us-east-1, us-west-2, ap-northeast-1, ap-southeast-1. Kubernetes versions supported: 1.29, 1.30, 1.31.`,

  'billing-refunds': `You are the billing specialist of Acme Cloud. You can see the customer's invoices, payment methods (last four digits only) and credit balance in the context block.
Policies you must apply exactly:
- Duplicate charges are refunded in full to the original payment method within 5-10 business days.
- Unused prepaid credits are not refundable but never expire on Team and Enterprise plans.
- Downgrades take effect at the end of the billing period; upgrades are prorated immediately.
- Refunds above 500 USD need approval: say that a billing agent will confirm within one business day, and open a ticket with the tag refund-approval.
- Taxes (VAT, GST) are refunded together with the charge they belong to.
Never promise a refund that the policy does not allow. Quote invoice numbers exactly as they appear in the context. Amounts are in the invoice currency with two decimals. Keep answers under 150 words unless the customer asks for a breakdown.`,

  'docs-rag-answer': `You are the documentation assistant for the Acme Cloud developer portal.
Answer ONLY from the numbered context passages provided in the user message. Cite the passages you used as [1], [2], ... right after the sentence that uses them.
If the passages do not contain the answer, say "I could not find this in the documentation" and suggest the closest relevant page title. Do not use outside knowledge, even if you are confident.
Formatting: Markdown; code in fenced blocks with the language set; CLI flags in backticks; keep the answer under 250 words unless a step-by-step procedure is needed.
When a passage is marked [deprecated], mention the replacement if another passage names it.
Answer in the language of the question.`,

  'research-agent': `You are Scout, a research agent working for the strategy team. You have three tools:
- web_search(query): returns the top 5 results with title, url and snippet.
- fetch_url(url): returns the main text of a page, truncated to 8,000 characters.
- calculator(expression): evaluates an arithmetic expression exactly.
Method: plan briefly, search, read the two or three most authoritative sources (vendor pages, filings, standards bodies over blogs), compute with the calculator rather than in your head, then write the answer.
The final answer has: a two-sentence summary, a short table or list of the key numbers with their sources, and a "Caveats" line. Cite every number with its URL. Never fabricate a source; if a number cannot be verified, say so. Stop after at most 6 tool calls.`,

  'code-review': `You are a senior engineer reviewing pull requests for Acme's backend services (Go and TypeScript).
Tools: get_diff(pr), run_tests(target), search_code(query). Always read the diff first; run the tests that cover the changed packages; search the code base when a change touches an interface used elsewhere.
Review for, in order: correctness (races, error handling, idempotency, off-by-one, time zones), security (injection, authz checks, secrets in logs), API compatibility, performance on hot paths, tests, then readability.
Write the review as: a verdict line (APPROVE, REQUEST_CHANGES or COMMENT), a short summary, then findings as a numbered list, each with file:line, severity (blocker, major, minor, nit) and a concrete suggestion, with a code snippet when useful.
Do not comment on formatting that the linter already enforces. Be direct and kind.`,

  'sql-copilot': `You translate questions about product analytics into a single PostgreSQL 16 query over this schema:
users(id uuid, created_at timestamptz, plan text, country text, company_id uuid)
companies(id uuid, name text, industry text, seats int)
events(id bigint, user_id uuid, name text, ts timestamptz, props jsonb)
subscriptions(id uuid, company_id uuid, plan text, mrr_cents int, started_at timestamptz, ended_at timestamptz)
invoices(id text, company_id uuid, amount_cents int, currency text, issued_at timestamptz, paid_at timestamptz)
Rules: read-only SELECT statements only; always qualify columns; use date_trunc for time buckets; time ranges relative to now(); money in cents converted to units with two decimals at the end; limit 1000 rows unless aggregated.
Reply with the SQL in a fenced sql block followed by one sentence explaining what it returns. If the question is ambiguous, state the assumption you made in that sentence.`,

  'ui-translate': `You are a professional software localizer. Translate the JSON object of UI strings in the user message into the requested language.
Keep the keys unchanged. Keep placeholders such as {count}, {name} and %s exactly as they are, and keep HTML tags intact. Keep product names (Acme Cloud, Kubernetes) untranslated.
Use the tone of a modern developer tool: concise, friendly, no exclamation marks. Use the formal register where the language distinguishes (Sie, vous, usted, です/ます). Respect plural forms with ICU syntax when the source uses it.
Return ONLY the translated JSON object, with no explanation and no code fence.`,

  'ticket-summarizer': `Summarize the support ticket thread below for the account team.
Output exactly four lines:
Problem: <one sentence>
Impact: <who is affected, since when, severity S1-S4>
Status: <what has been done, what is pending, by whom>
Sentiment: <positive | neutral | frustrated | angry> - <one short reason>
Do not include personal data other than first names. Do not speculate about root causes that are not stated in the thread. If the thread contains several problems, summarize the one the customer raised first and add "(+N other issues)" at the end of the Problem line.`,

  'intent-classifier': `Classify the customer's message into exactly one intent:
outage, login_mfa, billing, refund, quota_limits, kubernetes_upgrade, storage_access, performance, feature_request, cancellation, other.
Return a JSON object {"intent": <intent>, "confidence": <0..1 with two decimals>, "language": <ISO 639-1 code>, "urgent": <true|false>}.
A message is urgent when production is down, data may be lost, or the customer mentions a deadline within 24 hours.
Return only the JSON object, no prose. When two intents apply, pick the one that needs action first (outage before billing).`,

  'sales-email-drafter': `You draft follow-up emails for Acme Cloud account executives.
Input: the prospect's name and company, notes from the last call, and the next step the executive wants.
Write a plain-text email of 90 to 160 words: a specific subject line, one sentence that references something concrete from the call, the answer to any open question from the notes, one clear call to action with a proposed time, and a short sign-off with the placeholder {sender}.
Never invent discounts, prices or customer references that are not in the notes. No buzzwords ("synergy", "leverage", "game-changer"). Match the formality of the prospect's notes.`,
};

export const TEMPLATES = Object.keys(SYSTEM);

/* ------------------------------------------------------------------ Q&A
 * [question, answer] pairs per template; lang marks non-English pairs. */
export const QA = {
  'support-triage': [
    ['Our {cluster} cluster in {region} has been returning 502s from the ingress since about 9am. Nothing changed on our side. Is there an outage?',
      'Hi {name}, sorry about the disruption. There is an open incident for {region}: INC-{num}, "Elevated 5xx on managed ingress controllers", started 08:52 UTC. Our network team has rolled back the load-balancer configuration that caused it and error rates are dropping.\n\n1. No action is needed on your cluster.\n2. If 502s continue after 10:30 UTC, restart the ingress pods with `kubectl rollout restart deploy/ingress-nginx -n ingress`.\n3. You can follow updates on status.acme.cloud.\n\nNext step: watch INC-{num}; reply here if errors persist after 10:30 UTC.'],
    ["I can't log in, it keeps saying my MFA code is invalid but I'm typing exactly what the authenticator app shows.",
      "Hi {name}, that's frustrating, let's fix it. An \"invalid code\" with a correct-looking code almost always means the clock on your phone has drifted.\n\n1. On Android open Google Authenticator > Settings > Time correction for codes > Sync now; on iOS enable Settings > General > Date & Time > Set Automatically.\n2. Wait for the next code and try again.\n3. If it still fails, use one of your recovery codes and re-enrol MFA under Account > Security.\n\nNext step: sync your phone's clock and retry; if you have no recovery codes, I will open an identity-verification ticket."],
    ['How do I upgrade {cluster} from Kubernetes {k8s} to the next version without downtime?',
      'Hi {name}. Upgrades are rolling, so workloads with at least two replicas and a PodDisruptionBudget stay available.\n\n1. Check deprecated APIs: `acme k8s preflight --cluster {cluster}`.\n2. Upgrade the control plane: `acme k8s upgrade --cluster {cluster} --control-plane`. This takes about 10 minutes and the API stays reachable.\n3. Upgrade node pools one at a time: `acme k8s upgrade --cluster {cluster} --pool <name>`; nodes are cordoned and drained with a surge of one.\n\nNext step: run the preflight check and share its output if it reports anything.'],
    ['We hit "quota exceeded: vCPU" when scaling the node pool. Can you raise our limit to {num} vCPUs?',
      'Hi {name}. Your {plan} plan allows quota increases up to 2,000 vCPUs per region without review. I have submitted a request to raise the vCPU quota in {region} to {num}; these are usually approved within 15 minutes and you will get an email when it is active.\n\nNext step: retry the scale-up after the confirmation email arrives.'],
    ['Getting AccessDenied on PUT to bucket {bucket} from our CI runner, the same key works on my laptop.',
      'Hi {name}. When a key works from one place and not another, the usual cause is a bucket policy with a source-IP condition. Bucket {bucket} has a policy that only allows your office range.\n\n1. Find the egress IP of the CI runner (`curl -s ifconfig.me` in a job).\n2. Add it to the `aws:SourceIp` list in the bucket policy, or better, give the runner its own key scoped to that bucket.\n\nNext step: update the bucket policy and re-run the pipeline.'],
    ['The web console is really slow today, pages take 20 seconds to load.',
      'Hi {name}, sorry about that. I do not see an open incident for the console right now, so let us narrow it down: is it slow for every page or only the cluster overview? The overview loads metrics for all clusters, and accounts with more than 50 clusters can hit a slow path we are fixing this week.\n\nNext step: tell me which pages are slow and roughly how many clusters the account has.'],
    ['Is there a way to get a dedicated IP for egress traffic from our pods?',
      'Hi {name}. Yes: enable a NAT gateway on the cluster network with `acme network nat create --cluster {cluster} --static-ip`. All egress from the cluster then leaves through one static IP that you can give to partners for allow-listing. The gateway costs 0.045 USD per hour plus data processing.\n\nNext step: create the NAT gateway, then share the IP with your partner.'],
    ['Our Zephyr-9 staging cluster returns HTTP 502 after the upgrade to v3.14, what changed?',
      'Hi {name}. Version 3.14 of the managed ingress switches the default upstream protocol to HTTP/2. Services that only speak HTTP/1.1 behind the ingress then answer with protocol errors, which the ingress reports as 502.\n\n1. Add the annotation `acme.cloud/backend-protocol: "HTTP1"` to the affected Ingress objects, or\n2. enable h2c on the backend.\n\nNext step: add the annotation to the Zephyr-9 ingresses and redeploy.'],
    ['I want to cancel our Team plan at the end of the month, how?',
      'Hi {name}. You can schedule the cancellation under Billing > Plan > Cancel plan; it takes effect at the end of the current billing period and your clusters keep running until then. Data in object storage is kept for 30 days afterwards so you can export it. <<HANDOFF:billing>>\n\nNext step: schedule the cancellation in the console, or tell me if you would rather talk to your account manager first.'],
    ['Can you add support for ARM node pools in {region}? We want to run Graviton-style instances.',
      'Hi {name}. Thanks for the request. ARM node pools are available today in us-east-1 and eu-west-1; {region} is on the roadmap for next quarter. I have added your account to the feature request so you are notified when it ships.\n\nNext step: if you can use us-east-1 or eu-west-1 meanwhile, create a pool with `--arch arm64`.'],
    ['ログインしようとすると「MFAコードが無効です」と表示されます。どうすればいいですか？',
      '{name}様、ご不便をおかけして申し訳ありません。コードが正しく見えるのに無効と表示される場合、スマートフォンの時刻がずれていることがほとんどです。\n\n1. Google Authenticator の「設定」→「コードの時間補正」→「今すぐ同期」を実行してください。\n2. 次のコードで再度お試しください。\n3. それでも失敗する場合は、リカバリーコードでログインし、「アカウント」→「セキュリティ」からMFAを再登録してください。\n\n次のステップ：時刻を同期して再試行してください。', 'ja'],
    ['我们在 {region} 的集群从今天早上开始出现大量 502 错误，是不是有故障？',
      '{name}您好，给您带来不便非常抱歉。{region} 目前有一个进行中的事件 INC-{num}：“托管 Ingress 控制器 5xx 错误率升高”，开始于 08:52 UTC。网络团队已回滚导致问题的负载均衡配置，错误率正在下降。\n\n1. 您的集群无需任何操作。\n2. 如果 10:30 UTC 之后仍有 502，请执行 `kubectl rollout restart deploy/ingress-nginx -n ingress`。\n\n下一步：关注 INC-{num} 的更新；如问题持续请回复此消息。', 'zh'],
    ['請問如何重設我的雙重驗證？我換了新手機。',
      '{name}您好！更換手機後，請用您的復原碼登入，然後到「帳戶」→「安全性」選擇「重設雙重驗證」，再用新手機掃描 QR 碼即可。如果沒有復原碼，我可以為您開立身分驗證工單，通常一個工作天內處理完成。\n\n下一步：使用復原碼登入並重新綁定新手機。', 'zh'],
    ['클러스터 업그레이드 중에 노드가 계속 NotReady 상태로 남아 있습니다. 어떻게 해야 하나요?',
      '{name}님, 불편을 드려 죄송합니다. 업그레이드 중 노드가 NotReady로 남는 경우 대부분 드레인이 PodDisruptionBudget 때문에 멈춘 것입니다.\n\n1. `kubectl get pdb -A` 로 허용 중단 수가 0인 PDB를 확인하세요.\n2. 해당 워크로드의 레플리카를 늘리거나 PDB를 일시적으로 완화하세요.\n3. 그 후 `acme k8s upgrade --resume` 을 실행하세요.\n\n다음 단계: PDB를 확인한 후 업그레이드를 재개하세요.', 'ko'],
    ['Unser Cluster in eu-central-1 ist seit heute Morgen extrem langsam. Gibt es eine Störung?',
      'Hallo {name}, das tut mir leid. Für eu-central-1 gibt es derzeit keine offene Störung. Häufigste Ursache für plötzliche Langsamkeit ist CPU-Throttling durch zu knappe Limits nach einem Deployment.\n\n1. Prüfen Sie mit `kubectl top pods -A`, welche Pods am Limit laufen.\n2. Vergleichen Sie die Limits mit dem letzten Deployment.\n\nNächster Schritt: Schicken Sie mir die Ausgabe von `kubectl top pods -A`, dann schauen wir gemeinsam darauf.', 'de'],
    ['¿Cómo puedo aumentar la cuota de almacenamiento de mi bucket {bucket}?',
      'Hola {name}. Los buckets no tienen una cuota fija: la capacidad crece automáticamente. Lo que sí existe es un límite de 50 TB por cuenta en el plan {plan}; para superarlo, solicite un aumento en Cuenta > Cuotas > Almacenamiento.\n\nSiguiente paso: solicite el aumento si prevé superar 50 TB.', 'es'],
    ["Bonjour, nous n'arrivons plus à pousser nos images vers le registre depuis hier soir.",
      "Bonjour {name}, désolé pour ce blocage. Depuis hier, le registre exige des jetons de type « robot » pour les pipelines ; les anciens jetons personnels sont refusés pour les pushes automatisés.\n\n1. Créez un compte robot : `acme registry robot create ci-pusher`.\n2. Remplacez le jeton dans les secrets de votre CI.\n\nProchaine étape : créez le compte robot et relancez le pipeline.", 'fr'],
  ],

  'billing-refunds': [
    ['I was charged twice for invoice {invoice} on my card ending 4242. Can I get a refund?',
      'Hi {name}, I can see two charges of 1,249.00 USD for invoice {invoice}, both on the card ending 4242, two minutes apart. The second one is a duplicate, so I have issued a full refund of 1,249.00 USD (tax included) to that card. It will appear within 5-10 business days.'],
    ['Why is my bill {num} USD higher this month than last month?',
      'Hi {name}, the increase comes from two items on invoice {invoice}: 1) the node pool in {region} ran 3 extra nodes for 11 days after the autoscaler scaled up on the 4th, and 2) object storage egress grew from 2.1 TB to 6.8 TB. Everything else is unchanged. If the extra nodes were not intended, lower the pool\'s maximum size.'],
    ['We prepaid 10,000 USD of credits but we are moving to another provider. Can the unused part be refunded?',
      "Hi {name}, I'm sorry to hear you're moving. Prepaid credits are not refundable under the terms of the Team plan, but they never expire, so the remaining balance of your account stays available if you come back. I can share an itemised statement of the credits used so far if that helps."],
    ['Please downgrade us from Enterprise to Team, we do not need the TAM any more.',
      'Hi {name}, done: the downgrade to Team is scheduled for the end of the current billing period, so you keep Enterprise features until then. The new monthly price will be shown on the next invoice. Note that the SLA changes from 99.95% to 99.9%.'],
    ['Can you send the invoice {invoice} with our VAT number on it? It is missing.',
      'Hi {name}, I have added the VAT number from your billing profile and regenerated invoice {invoice}; the corrected PDF is in Billing > Invoices and has been emailed to the billing contact. The amounts do not change.'],
    ['We were billed for a cluster we deleted on the 3rd, please refund the rest of the month.',
      'Hi {name}, the cluster was deleted on the 3rd at 14:12 UTC and billing stopped at that time; the charge on invoice {invoice} covers only the first three days (71.40 USD). Nothing was charged after the deletion, so there is no further amount to refund.'],
    ['Ich wurde für die Rechnung {invoice} doppelt belastet. Bitte erstatten Sie den Betrag.',
      'Hallo {name}, ich sehe zwei identische Abbuchungen für die Rechnung {invoice}. Die doppelte Belastung wird vollständig inklusive MwSt. auf die ursprüngliche Zahlungsmethode erstattet; die Gutschrift erscheint innerhalb von 5-10 Werktagen.', 'de'],
    ['請求書 {invoice} の金額が見積もりと違います。説明してください。',
      '{name}様、お問い合わせありがとうございます。請求書 {invoice} には見積もりに含まれていなかった {region} のストレージ転送量 4.2 TB 分が含まれています。転送量の内訳は「請求」→「使用状況」で確認できます。', 'ja'],
  ],

  'docs-rag-answer': [
    ['How do I configure a private endpoint for object storage?',
      'Create a private endpoint in the same VPC as your workloads with `acme storage endpoint create --vpc <vpc-id> --private` [1]. Requests to `*.storage.internal.acme.cloud` from that VPC then stay on the private network and are not billed as egress [1][3]. Bucket policies can require the endpoint with the `acme:SourceVpce` condition [2].'],
    ['What is the maximum size of a single object upload?',
      'A single PUT can upload up to 5 GiB [1]. Larger objects, up to 5 TiB, must use multipart upload with parts between 5 MiB and 5 GiB and at most 10,000 parts [2]. The CLI switches to multipart automatically above 64 MiB [3].'],
    ['Which Kubernetes versions are supported and for how long?',
      'Acme Cloud supports the three most recent minor versions: currently 1.29, 1.30 and 1.31 [1]. Each version is supported for 14 months after its release on the platform; clusters on an unsupported version are upgraded automatically during their maintenance window, after a 30-day notice [2].'],
    ['How can I rotate the credentials used by the storage CSI driver?',
      'Create a new access key for the service account, update the `acme-csi-credentials` secret in `kube-system` and restart the CSI controller with `kubectl rollout restart deploy/acme-csi-controller -n kube-system` [1]. Existing volumes stay mounted during the restart [2]. Delete the old key only after the new pods are ready [1].'],
    ['Does the load balancer support WebSockets and what is the idle timeout?',
      'Yes, WebSockets are supported on HTTP and HTTPS listeners without extra configuration [1]. The default idle timeout is 60 seconds and can be raised to 4,000 seconds with the `acme.cloud/idle-timeout` annotation [2]. Use application-level pings for longer-lived connections [2].'],
    ['How do I enable audit logging for the Kubernetes API server?',
      'Audit logging is enabled per cluster with `acme k8s update --cluster <name> --audit-log=enabled` [1]. Events are written to the `k8s-audit` log stream and kept for 90 days; you can export them to a bucket with a log sink [2]. The policy level is Metadata by default [1]; [3] describes the [deprecated] `--audit-policy-file` flag, which is replaced by `--audit-level` [1].'],
    ['Can I use Terraform to manage node pools?',
      'Yes. The `acme` Terraform provider has an `acme_k8s_node_pool` resource with `min_size`, `max_size`, `machine_type` and `labels` [1]. Changes to `machine_type` replace the pool, so create the new pool before removing the old one to avoid downtime [2].'],
    ['对象存储的版本控制怎么开启？删除的文件还能恢复吗？',
      '可以在存储桶设置中开启版本控制，或执行 `acme storage bucket update <bucket> --versioning enabled` [1]。开启后，删除操作只会添加删除标记，之前的版本仍然保留，可以用 `acme storage object restore` 恢复 [2]。注意：旧版本同样按存储量计费 [3]。', 'zh'],
    ['ノードプールのオートスケーリングはどのように設定しますか？',
      '`acme k8s pool update <pool> --autoscaling --min 2 --max 10` で有効にできます [1]。スケールアウトは保留中の Pod に基づいて行われ、スケールインは 10 分間使用率が 50% 未満のノードが対象になります [2]。', 'ja'],
  ],

  'research-agent': [
    ['Compare the list price of 64-vCPU ARM instances on the three largest clouds for a web workload running 24/7.',
      'Summary: For a 64-vCPU ARM instance running all month, the cheapest list price is currently on Google Cloud (C4A), about 8% below AWS (Graviton4 c8g) and 12% below Azure (Cobalt 100 Dpsv6). Sustained-use and committed-use discounts change the order, so compare with your commitment level.\n\n| Cloud | Instance | On-demand USD/h | USD/month (730 h) |\n|---|---|---|---|\n| AWS | c8g.16xlarge | 2.552 | 1,862.96 |\n| Azure | D64ps v6 | 2.688 | 1,962.24 |\n| GCP | c4a-standard-64 | 2.349 | 1,714.77 |\n\nCaveats: us-east region prices, Linux, no storage or egress; prices checked today and may change.'],
    ['What share of global data-centre electricity use is attributed to AI workloads, according to the latest IEA estimate?',
      'Summary: The IEA estimates that data centres used about 415 TWh in 2024, around 1.5% of global electricity, and that AI-focused servers are the fastest-growing part of it. Its base case has data-centre demand more than doubling to about 945 TWh by 2030.\n\nKey numbers: 415 TWh (2024); ~1.5% of global use; ~945 TWh (2030, base case).\n\nCaveats: the IEA does not publish a single precise AI share; estimates depend on how accelerated servers are counted.'],
    ['Summarize the main changes in the EU AI Act obligations for general-purpose AI models and their dates.',
      'Summary: Providers of general-purpose AI models must meet transparency and copyright obligations from 2 August 2025; models with systemic risk also need evaluations, incident reporting and cybersecurity measures. Models placed on the market before that date have until 2 August 2027.\n\nKey dates: 2 Feb 2025 (prohibitions), 2 Aug 2025 (GPAI obligations), 2 Aug 2026 (most high-risk rules), 2 Aug 2027 (legacy GPAI models).\n\nCaveats: the Code of Practice is voluntary; national enforcement details vary.'],
    ['How much would we save per year by moving 40 TB of infrequently accessed data from standard to cold storage at Acme list prices?',
      'Summary: Moving 40 TB from standard (0.020 USD/GB-month) to cold storage (0.004 USD/GB-month) saves about 7,864 USD per year before retrieval fees. With one full retrieval per year (0.01 USD/GB) the net saving is about 7,455 USD.\n\nKey numbers: 40,960 GB x 0.016 USD x 12 = 7,864.32 USD; retrieval 409.60 USD.\n\nCaveats: cold storage has a 90-day minimum duration and higher request prices.'],
    ['Find the current median time to first token reported for GPT-4o class models by independent benchmarks.',
      'Summary: Independent benchmarks report a median time to first token of roughly 0.4-0.6 s for GPT-4o on the provider API and 0.3-0.5 s for GPT-4o mini, with long-prompt requests several times slower. Output speed is around 80-110 tokens per second for GPT-4o.\n\nCaveats: numbers vary by region, time of day and prompt length; the benchmarks use short prompts.'],
  ],

  'code-review': [
    ['Review PR #{num} in {repo}: "Add idempotency keys to the refund endpoint".',
      'REQUEST_CHANGES\n\nSummary: The idempotency key is stored after the refund is executed, so two concurrent requests with the same key can both refund. The tests only cover the sequential case.\n\n1. refunds/handler.go:88 (blocker): insert the key with a unique constraint before calling the payment provider, inside the same transaction that records the refund:\n```go\nif err := tx.InsertIdempotencyKey(ctx, key, req.Hash()); errors.Is(err, store.ErrDuplicate) {\n    return tx.LoadResponse(ctx, key)\n}\n```\n2. refunds/handler.go:102 (major): a key reused with a different body must return 422, not the stored response.\n3. refunds/handler_test.go (major): add a test firing 10 concurrent requests with one key and asserting one provider call.\n4. store/keys.go:14 (minor): keys never expire; add a TTL of 24 h.'],
    ['Review PR #{num} in {repo}: "Cache session lookups in memory".',
      'COMMENT\n\nSummary: The cache removes a database round-trip per request, but invalidation on logout is missing, so a revoked session stays valid for up to the TTL.\n\n1. auth/session.ts:41 (major): on logout and password change, delete the entry or publish an invalidation on the existing Redis channel.\n2. auth/session.ts:27 (minor): the map grows without bound; use the existing LRU helper with a size limit.\n3. auth/session.test.ts (minor): add a test for logout followed by a request with the old token.'],
    ['Review PR #{num} in {repo}: "Switch timestamps to local time in reports".',
      'REQUEST_CHANGES\n\nSummary: Converting to local time on the server makes report boundaries depend on the server\'s time zone; customers in other zones will see days cut at the wrong hour.\n\n1. reports/daily.go:56 (blocker): keep UTC in storage and queries; convert at presentation using the user\'s tz setting.\n2. reports/daily.go:71 (major): DST days have 23 or 25 hours; use time.Date(...).AddDate(0,0,1) instead of adding 24h.\n3. reports/daily_test.go (minor): add a case for the March DST change in Europe/Berlin.'],
    ['Review PR #{num} in {repo}: "Retry uploads on 5xx".',
      'APPROVE\n\nSummary: Retries with jittered exponential backoff, bounded at 5 attempts, and only for idempotent PUTs. Looks good.\n\n1. upload/retry.go:33 (nit): the maximum delay constant could be a config option.\n2. upload/retry.go:48 (minor): log the final error with the object key so failed uploads can be traced.'],
    ['Review PR #{num} in {repo}: "Add bulk delete API".',
      'REQUEST_CHANGES\n\nSummary: The endpoint deletes up to 10,000 objects per call but checks authorization only for the first object\'s bucket.\n\n1. api/bulk.go:64 (blocker): check that the caller may delete in every bucket named in the request, or restrict a request to one bucket.\n2. api/bulk.go:90 (major): the delete loop holds the bucket lock for the whole batch; delete in chunks of 1,000.\n3. api/bulk_test.go (minor): add a test with two buckets where the caller owns only one.'],
  ],

  'sql-copilot': [
    ['Show weekly active users by plan for the last 8 weeks.',
      "```sql\nSELECT date_trunc('week', e.ts) AS week, u.plan, count(DISTINCT e.user_id) AS active_users\nFROM events e JOIN users u ON u.id = e.user_id\nWHERE e.ts >= date_trunc('week', now()) - interval '8 weeks'\nGROUP BY 1, 2\nORDER BY 1, 2;\n```\nReturns, for each of the last 8 weeks, the number of distinct users with at least one event, split by their current plan."],
    ['What is our MRR by industry right now?',
      "```sql\nSELECT c.industry, round(sum(s.mrr_cents) / 100.0, 2) AS mrr_usd\nFROM subscriptions s JOIN companies c ON c.id = s.company_id\nWHERE s.started_at <= now() AND (s.ended_at IS NULL OR s.ended_at > now())\nGROUP BY c.industry\nORDER BY mrr_usd DESC;\n```\nReturns the current monthly recurring revenue of active subscriptions per industry, assuming all subscriptions are billed in USD."],
    ['Which companies have unpaid invoices older than 30 days?',
      "```sql\nSELECT c.name, i.id AS invoice, round(i.amount_cents / 100.0, 2) AS amount, i.currency, i.issued_at\nFROM invoices i JOIN companies c ON c.id = i.company_id\nWHERE i.paid_at IS NULL AND i.issued_at < now() - interval '30 days'\nORDER BY i.issued_at\nLIMIT 1000;\n```\nReturns every invoice issued more than 30 days ago that is still unpaid, oldest first."],
    ['How many users signed up per country in the last 30 days, top 10?',
      "```sql\nSELECT u.country, count(*) AS signups\nFROM users u\nWHERE u.created_at >= now() - interval '30 days'\nGROUP BY u.country\nORDER BY signups DESC\nLIMIT 10;\n```\nReturns the ten countries with the most new users in the last 30 days."],
    ['Monthly churn rate of Team plan subscriptions this year.',
      "```sql\nWITH months AS (SELECT generate_series(date_trunc('year', now()), date_trunc('month', now()), interval '1 month') AS m)\nSELECT m.m AS month,\n  round(100.0 * count(*) FILTER (WHERE s.ended_at >= m.m AND s.ended_at < m.m + interval '1 month')\n        / nullif(count(*) FILTER (WHERE s.started_at < m.m AND (s.ended_at IS NULL OR s.ended_at >= m.m)), 0), 2) AS churn_pct\nFROM months m CROSS JOIN subscriptions s\nWHERE s.plan = 'Team'\nGROUP BY m.m ORDER BY m.m;\n```\nReturns the share of Team subscriptions active at the start of each month that ended during that month."],
    ['顧客ごとの今四半期の請求額合計を教えてください。',
      "```sql\nSELECT c.name, round(sum(i.amount_cents) / 100.0, 2) AS billed, i.currency\nFROM invoices i JOIN companies c ON c.id = i.company_id\nWHERE i.issued_at >= date_trunc('quarter', now())\nGROUP BY c.name, i.currency\nORDER BY billed DESC;\n```\n今四半期に発行された請求書の合計金額を顧客・通貨ごとに返します。", 'ja'],
  ],

  'ui-translate': [
    ['Translate to Japanese: {"cluster.create": "Create cluster", "cluster.delete.confirm": "Delete {name}? This cannot be undone.", "nodes.count": "{count, plural, one {# node} other {# nodes}}"}',
      '{"cluster.create": "クラスターを作成", "cluster.delete.confirm": "{name} を削除しますか？この操作は元に戻せません。", "nodes.count": "{count, plural, other {# ノード}}"}'],
    ['Translate to Simplified Chinese: {"billing.title": "Billing", "billing.overdue": "Your invoice is overdue. Please update your payment method.", "billing.download": "Download PDF"}',
      '{"billing.title": "账单", "billing.overdue": "您的账单已逾期，请更新付款方式。", "billing.download": "下载 PDF"}'],
    ['Translate to Korean: {"storage.empty": "This bucket is empty", "storage.upload": "Upload files", "storage.quota": "You have used %s of your storage."}',
      '{"storage.empty": "이 버킷은 비어 있습니다", "storage.upload": "파일 업로드", "storage.quota": "스토리지의 %s을(를) 사용했습니다."}'],
    ['Translate to German: {"auth.mfa.prompt": "Enter the 6-digit code from your authenticator app", "auth.mfa.invalid": "The code is invalid or expired"}',
      '{"auth.mfa.prompt": "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein", "auth.mfa.invalid": "Der Code ist ungültig oder abgelaufen"}'],
    ['Translate to French: {"alerts.none": "No active alerts", "alerts.firing": "{count} alerts firing in <b>{cluster}</b>"}',
      '{"alerts.none": "Aucune alerte active", "alerts.firing": "{count} alertes actives dans <b>{cluster}</b>"}'],
    ['Translate to Spanish: {"settings.save": "Save changes", "settings.saved": "Settings saved", "settings.region": "Default region"}',
      '{"settings.save": "Guardar cambios", "settings.saved": "Configuración guardada", "settings.region": "Región predeterminada"}'],
  ],

  'ticket-summarizer': [
    ['Ticket #{num}\n[{name}, 09:14] Our nightly backup job to bucket {bucket} has failed three nights in a row with "SlowDown: please reduce your request rate".\n[Support, 09:40] Thanks, we see 12k PUT/s bursts from your job at 02:00. The per-prefix limit is 3,500 PUT/s.\n[{name}, 10:02] We can spread the keys over more prefixes, but we need tonight\'s backup to succeed, this is for an audit on Friday.\n[Support, 10:15] We raised the limit temporarily to 15k PUT/s until Monday.',
      'Problem: Nightly backups to {bucket} fail with SlowDown errors because the job bursts above the per-prefix request limit.\nImpact: {name}\'s team, three failed backups since Monday, audit on Friday, severity S2.\nStatus: Support raised the limit to 15k PUT/s until Monday; the customer will spread keys over more prefixes.\nSentiment: neutral - worried about the audit but cooperative.'],
    ['Ticket #{num}\n[{name}, 14:01] Since the upgrade to Kubernetes {k8s} our pods can\'t resolve internal DNS names about 5% of the time.\n[Support, 14:30] Can you share `kubectl logs -n kube-system -l k8s-app=kube-dns`?\n[{name}, 14:55] Attached. This is hurting checkout, we lose orders.\n[Support, 15:20] CoreDNS is OOM-killed under load; the new version uses more memory. We raised its memory limit and added two replicas.\n[{name}, 16:05] Errors are gone, thanks. Please make sure this does not happen to other clusters.',
      'Problem: About 5% of internal DNS lookups failed after the upgrade to Kubernetes {k8s} because CoreDNS was OOM-killed.\nImpact: {name}\'s checkout service lost orders for about two hours, severity S1.\nStatus: Support raised the CoreDNS memory limit and added replicas; errors stopped. Follow-up requested for the other clusters.\nSentiment: positive - fixed the same day.'],
    ['Ticket #{num}\n[{name}, 11:20] Third time this month we are charged for egress we did not use. Invoice {invoice} shows 9 TB, our monitoring shows 2 TB.\n[Support, 12:05] The 9 TB includes traffic from the public bucket {bucket}; 7 TB of GETs came from a CDN crawler.\n[{name}, 12:30] Nobody told us the bucket was public. This is unacceptable, I want a credit.\n[Support, 13:10] Escalated to billing for a goodwill credit.',
      'Problem: Invoice {invoice} bills 9 TB of egress while the customer measured 2 TB; 7 TB came from a crawler reading the public bucket {bucket}.\nImpact: {name}\'s account, third billing dispute this month, severity S3.\nStatus: Escalated to billing for a goodwill credit; bucket is still public.\nSentiment: angry - repeated billing surprises.'],
    ['Ticket #{num}\n[{name}, 08:05] Can we get SSO with Okta for the console? We have 200 engineers.\n[Support, 08:40] SSO (SAML and OIDC) is included in Enterprise. On Team it is an add-on.\n[{name}, 09:10] OK, can someone send pricing for the add-on?\n[Support, 09:12] Forwarded to your account executive.',
      'Problem: The customer wants Okta SSO for 200 engineers on the console.\nImpact: {name}\'s organisation, no outage, severity S4.\nStatus: Pricing request forwarded to the account executive; waiting for a quote.\nSentiment: positive - straightforward request.'],
  ],

  'intent-classifier': [], // reuses the support questions (see generate.mjs)

  'sales-email-drafter': [
    ['Prospect: {name} at {company}. Notes: demo on {day}; asked about SSO with Okta and a volume discount above 500 vCPUs; currently on another provider, contract ends in Q3. Next step: technical deep-dive with their platform team.',
      'Subject: Okta SSO and next steps for {company}\n\nHi {name},\n\nThanks for the time on {day}, and for walking us through how your platform team runs 40 clusters today.\n\nOn your two questions: Okta works with both SAML and OIDC on the Enterprise plan, including SCIM provisioning, so onboarding your engineers is automatic. For volume pricing above 500 vCPUs, I will bring a proposal to the deep-dive once we know your expected footprint.\n\nWould Tuesday or Wednesday next week at 16:00 CET work for a one-hour technical session with your platform team?\n\nBest regards,\n{sender}'],
    ['Prospect: {name} at {company}. Notes: trial started 10 days ago, 3 clusters created, asked how GPU node pools are billed. Next step: check in and offer a call with a solutions engineer.',
      'Subject: GPU node pools on your {company} trial\n\nHi {name},\n\nI saw your team has three clusters running in the trial, great to see it in use.\n\nGPU node pools are billed per second while the nodes exist, at the GPU instance price; there is no extra charge for the managed control plane, and pools can scale to zero when idle.\n\nIf it helps, one of our solutions engineers can review your setup and sizing in a 30-minute call. Would Thursday afternoon work?\n\nBest,\n{sender}'],
    ['Prospect: {name} at {company}. Notes: security review pending; they need our SOC 2 Type II report and a DPA; legal contact is cc\'d. Next step: send documents and propose a signing timeline.',
      'Subject: SOC 2 report and DPA for {company}\n\nHi {name},\n\nAs promised, our SOC 2 Type II report is available in the trust portal (access link sent separately), and the attached DPA follows the EU standard contractual clauses.\n\nIf your legal team can share comments by Friday, we can turn around any changes within two business days, which keeps the signing before month end realistic.\n\nDoes that timeline work on your side?\n\nKind regards,\n{sender}'],
  ],
};

/* Documentation passages for the RAG template's context block. */
export const DOC_PASSAGES = [
  'Private endpoints: create one per VPC with `acme storage endpoint create --vpc <id> --private`. Traffic through a private endpoint is not billed as internet egress.',
  'Bucket policies support the conditions acme:SourceIp, acme:SourceVpce and acme:SecureTransport. Policies are evaluated before ACLs.',
  'Object size limits: single PUT up to 5 GiB; multipart uploads up to 5 TiB with at most 10,000 parts of 5 MiB to 5 GiB.',
  'The acme CLI uses multipart upload automatically above 64 MiB; tune with --multipart-threshold.',
  'Supported Kubernetes versions: the three most recent minor versions. Each is supported for 14 months; clusters on an unsupported version are upgraded in their maintenance window after 30 days notice.',
  'Load balancer: HTTP, HTTPS and TCP listeners. WebSockets work on HTTP(S) listeners. Idle timeout 60 s by default, configurable up to 4,000 s with the acme.cloud/idle-timeout annotation.',
  'Audit logging: `acme k8s update --audit-log=enabled`. Logs go to the k8s-audit stream, retained 90 days. [deprecated] --audit-policy-file: use --audit-level instead.',
  'CSI driver credentials live in the acme-csi-credentials secret in kube-system. Restarting the controller does not unmount existing volumes.',
  'Terraform provider: acme_k8s_cluster, acme_k8s_node_pool (min_size, max_size, machine_type, labels, taints). Changing machine_type forces replacement.',
  'Versioning: enable with `acme storage bucket update <bucket> --versioning enabled`. Deleted objects get a delete marker; restore with `acme storage object restore`. Noncurrent versions are billed.',
  'Node pool autoscaling: `acme k8s pool update <pool> --autoscaling --min N --max M`. Scale-in after 10 minutes below 50% utilisation.',
  'Egress pricing: first 100 GB per month free, then 0.05 USD/GB to the internet; traffic between regions 0.01 USD/GB.',
];

/* Filler paragraphs that lengthen some answers (output-token spread). */
export const EXTRA = {
  'code-review': [
    'Additional notes: the change set is otherwise well structured, the commit messages explain the intent, and the migration is reversible. Consider splitting the refactor of the helper package into its own PR next time, it makes the behavioural change easier to review and to revert if needed.',
    'Testing: I ran `go test ./refunds/... ./store/...` with the race detector; all 214 tests pass, but the new code paths are only covered at 61%. The error branch where the provider times out after the key is stored is not exercised; a fake provider that blocks until the context is cancelled would cover it.',
    'Performance: the new query adds an index lookup per request. With the current traffic of about 300 requests per second this is negligible, but the index on (key, created_at) should be created concurrently in the migration to avoid locking the table during deployment.',
    'Security: inputs are validated before use and no secrets are logged. One suggestion: the error returned to the client includes the internal table name; map it to a generic message and log the details server-side instead.',
  ],
  'research-agent': [
    'Method: I searched vendor pricing pages and the official documentation, read the two most recent primary sources, and verified every arithmetic step with the calculator tool. Secondary sources (blogs, news) were only used to find the primary ones.',
    'Sources: the vendor pricing pages and documentation linked above were retrieved today. Where two sources disagreed I used the more recent primary source and noted the difference in the caveats.',
  ],
  'docs-rag-answer': [
    'See also the "Networking" and "Storage security" pages of the developer portal for related configuration options and examples in Terraform and the CLI.',
  ],
  'support-triage': [
    'If anything in these steps is unclear, reply with the command output and I will go through it with you. For production emergencies on the Team and Enterprise plans you can also call the 24/7 hotline listed in the console under Support.',
  ],
  'ticket-summarizer': [],
};

/* Tool definitions for the agents: name -> (args, result) builders are in generate.mjs. */
export const TOOL_RESULTS = {
  web_search: [
    '1. AWS EC2 On-Demand Pricing - aws.amazon.com/ec2/pricing/on-demand - c8g.16xlarge 64 vCPU 128 GiB ...\n2. Azure Linux VM pricing - azure.microsoft.com/pricing/details/virtual-machines/linux - Dpsv6 series ...\n3. Compute Engine pricing - cloud.google.com/compute/vm-instance-pricing - C4A machine types ...',
    '1. Energy and AI - IEA - iea.org/reports/energy-and-ai - data centres accounted for around 1.5% of global electricity consumption in 2024 ...\n2. Electricity 2025 - IEA - iea.org/reports/electricity-2025 ...',
    '1. Regulation (EU) 2024/1689 - eur-lex.europa.eu - Artificial Intelligence Act ...\n2. General-purpose AI Code of Practice - digital-strategy.ec.europa.eu ...',
    '1. Acme Cloud storage pricing - acme.cloud/pricing/storage - Standard 0.020 USD/GB-month, Cold 0.004 USD/GB-month, retrieval 0.01 USD/GB ...',
  ],
  fetch_url: [
    'On-Demand Plans for Amazon EC2 ... c8g.16xlarge | 64 | 128 GiB | EBS Only | Up to 30 Gigabit | $2.552 per hour ...',
    'Energy and AI. Executive summary. Data centres accounted for around 1.5% of the world\'s electricity consumption in 2024, or 415 terawatt-hours (TWh) ... projected to grow to around 945 TWh by 2030 ...',
    'Article 113: This Regulation shall apply from 2 August 2026. However: (a) Chapters I and II shall apply from 2 February 2025; (b) ... Chapter V ... shall apply from 2 August 2025 ...',
  ],
  calculator: ['1862.96', '7864.32', '409.6', '1714.77', '0.0846'],
  get_diff: [
    'diff --git a/refunds/handler.go b/refunds/handler.go\n@@ -80,12 +80,21 @@ func (h *Handler) Refund(ctx context.Context, req RefundRequest) (*RefundResponse, error) {\n+\tkey := req.IdempotencyKey\n+\tresp, err := h.provider.Refund(ctx, req.ChargeID, req.Amount)\n+\tif err != nil {\n+\t\treturn nil, err\n+\t}\n+\tif err := h.store.SaveKey(ctx, key, resp); err != nil {\n ...',
    'diff --git a/auth/session.ts b/auth/session.ts\n@@ -20,6 +20,18 @@ export class SessionStore {\n+  private cache = new Map<string, Session>();\n+  async get(token: string) {\n+    const hit = this.cache.get(token);\n+    if (hit && hit.expiresAt > Date.now()) return hit;\n ...',
  ],
  run_tests: ['ok  \tgithub.com/acme/billing-service/refunds\t3.412s\tcoverage: 61.0% of statements\nok  \tgithub.com/acme/billing-service/store\t1.087s',
    'PASS auth/session.test.ts (14 tests)\nPASS auth/token.test.ts (22 tests)\nTest Suites: 2 passed, 2 total',
    'FAIL reports/daily_test.go:88: TestDailyBoundaries/Europe/Berlin: got 23 buckets, want 24'],
  search_code: ['store/keys.go:14: func (s *Store) SaveKey(ctx context.Context, key string, resp any) error {\nrefunds/handler.go:96: h.store.SaveKey(ctx, key, resp)\npayouts/handler.go:51: h.store.SaveKey(ctx, key, resp)',
    'auth/logout.ts:12: await sessions.revoke(token)\nauth/password.ts:40: await sessions.revokeAll(userId)'],
};

export const AGENT_TOOLS = {
  'research-agent': ['web_search', 'fetch_url', 'calculator'],
  'code-review': ['get_diff', 'run_tests', 'search_code'],
};

/* Error kinds: [error.type, exception.message, http status]. */
export const ERRORS = {
  openai: [
    ['RateLimitError', 'Error code: 429 - Rate limit reached for {model} in organization org-acme on tokens per min (TPM): Limit 800000, Used 799412, Requested 2315. Please try again in 173ms.', 429],
    ['APITimeoutError', 'Request timed out.', 0],
    ['InternalServerError', 'Error code: 500 - The server had an error while processing your request. Sorry about that!', 500],
    ['BadRequestError', "Error code: 400 - This model's maximum context length is 128000 tokens. However, your messages resulted in 131877 tokens. (context_length_exceeded)", 400],
  ],
  anthropic: [
    ['RateLimitError', 'Error code: 429 - {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}', 429],
    ['OverloadedError', 'Error code: 529 - {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 529],
    ['APITimeoutError', 'Request timed out.', 0],
  ],
  'gcp.gemini': [
    ['ResourceExhausted', '429 Resource has been exhausted (e.g. check quota).', 429],
    ['ServiceUnavailable', '503 The model is overloaded. Please try again later.', 503],
    ['DeadlineExceeded', '504 Deadline Exceeded', 504],
  ],
  vllm: [
    ['timeout', 'Request timed out after 60.0 seconds waiting in the scheduler queue.', 0],
    ['APIConnectionError', 'Connection error: [Errno 111] Connection refused', 0],
    ['InternalServerError', 'Error code: 500 - CUDA out of memory. Tried to allocate 2.00 GiB', 500],
  ],
};

/* Material for longer tool results (diff hunks, page text), assembled by generate.mjs. */
export const DIFF_FILES = ['refunds/handler.go', 'refunds/handler_test.go', 'store/keys.go', 'store/migrations/0042_idempotency.sql',
  'auth/session.ts', 'auth/session.test.ts', 'reports/daily.go', 'api/bulk.go', 'upload/retry.go', 'internal/metrics/metrics.go'];
export const DIFF_LINES = [
  '+\tctx, span := tracer.Start(ctx, "refund.execute")', '+\tdefer span.End()', '-\tresp, err := h.provider.Refund(ctx, id, amt)',
  '+\tif err := validateAmount(req.Amount, charge.Amount); err != nil {', '+\t\treturn nil, fmt.Errorf("refund %s: %w", req.ChargeID, err)', '+\t}',
  ' \tlog := logger.With("charge_id", req.ChargeID)', '+\tmetrics.RefundsTotal.WithLabelValues(req.Reason).Inc()',
  '-\ttime.Sleep(100 * time.Millisecond)', '+\tselect {', '+\tcase <-ctx.Done():', '+\t\treturn ctx.Err()', '+\tcase <-time.After(backoff(attempt)):', '+\t}',
  '+  const ttl = options.ttlMs ?? 15 * 60 * 1000;', '+  if (!token || token.length < 32) throw new AuthError("invalid token");',
  '-  return this.db.query("SELECT * FROM sessions WHERE token = $1", [token]);', '+  return this.db.query(SESSION_BY_TOKEN, [hash(token)]);',
  '+CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idempotency_keys_key_idx ON idempotency_keys (key);',
  ' \t// keep the old behaviour for API version 2023-10-01', '+\tfor i := range items {', '+\t\tif err := ctx.Err(); err != nil {', '+\t\t\treturn deleted, err',
  '+\t\t}', '+\t}', '-\tday := t.Truncate(24 * time.Hour)', '+\tday := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)',
];
export const PAGE_SENTENCES = [
  'Prices are listed per hour and billed per second with a one-minute minimum.', 'Savings plans and reserved instances can reduce the effective price by up to 72 percent.',
  'The figures exclude taxes, storage, data transfer and support plans.', 'Regional prices may differ; the table shows the lowest-priced region in each geography.',
  'Demand from accelerated servers grows about 30 percent per year in the base case.', 'Efficiency gains in cooling and power delivery offset part of the growth.',
  'The obligations apply to providers placing models on the EU market, regardless of where they are established.',
  'Downstream providers must receive documentation sufficient to understand the capabilities and limitations of the model.',
  'Retrieval requests are billed per 1,000 requests in addition to the per-gigabyte retrieval fee.', 'Objects deleted before the minimum storage duration are charged for the remaining days.',
  'Independent measurements vary with prompt length, output length, region and time of day.', 'Median values are computed over the last 14 days of hourly measurements.',
];
