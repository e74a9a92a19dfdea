/** The dashboard's one stylesheet, inlined under the page's CSP nonce: no external assets. */
export const STYLE = `
*{box-sizing:border-box}
:root{--fg:#18181b;--muted:#52525b;--line:#e4e4e7;--bg:#f4f4f5;--card:#fff;--accent:#1d4ed8;--ok:#15803d;--bad:#b91c1c}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px}
.skip:focus{left:8px}
header.top{background:#18181b;color:#fff}
header.top .bar{max-width:1100px;margin:0 auto;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center}
header.top .brand{font-weight:700;color:#fff;text-decoration:none;margin-right:8px}
header.top nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;margin:0;padding:0}
header.top nav a{color:#e4e4e7;text-decoration:none;padding:4px 2px}
header.top nav a[aria-current=page]{color:#fff;border-bottom:2px solid #fff}
header.top .who{margin-left:auto;display:flex;gap:10px;align-items:center;color:#d4d4d8;font-size:13px}
header.top .who button{background:transparent;color:#fff;border:1px solid #71717a;padding:4px 10px;font-weight:400}
main{max-width:1100px;margin:20px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 12px;overflow-wrap:anywhere}
h2{font-size:17px;margin:0 0 8px}
h2.section{margin:22px 0 10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 14px}
.narrow{max-width:520px;margin:40px auto}
.muted,.meta{color:var(--muted)}
.meta{font-size:14px;margin:2px 0}
.empty{text-align:center;padding:28px 16px;color:var(--muted)}
.empty strong{display:block;color:var(--fg);font-size:16px;margin-bottom:4px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:7px 10px 7px 0;border-top:1px solid var(--line);font-size:14px}
th{color:var(--muted);font-weight:600}
caption{text-align:left;padding:0 0 6px;font-size:13px}
td{word-break:break-word}
.details th{font-weight:400;white-space:nowrap;width:1%}
.kv th{width:10rem;white-space:normal;overflow-wrap:anywhere}
.details.agent{margin-bottom:14px}
.details.agent caption,.details.about caption{text-transform:uppercase;letter-spacing:.04em;font-size:12px;color:var(--muted);padding:2px 0 4px}
dl.facts{display:grid;grid-template-columns:10rem minmax(0,1fr);gap:4px 0;margin:10px 0 4px;font-size:14px}
dl.facts dt{color:var(--muted);padding-right:10px}
dl.facts dd{margin:0;overflow-wrap:anywhere}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;overflow-wrap:anywhere}
code.tag{display:inline-block;background:#eef2ff;color:#3730a3;border-radius:4px;padding:0 5px;margin:1px 0}
.scroll{overflow-x:auto}
label{display:block;font-weight:600;margin:10px 0 4px}
input[type=text],input[type=email],input[type=date],input[type=search],select,textarea{width:100%;padding:8px;border:1px solid #a1a1aa;border-radius:6px;font:inherit;background:#fff;color:var(--fg)}
input[type=text],input[type=email],input[type=date],input[type=search],select{height:40px}
.hint{font-size:13px;color:var(--muted);margin:4px 0 0}
.req{color:var(--bad)}
textarea{min-height:70px}
form.decide textarea{min-height:48px}
button,.button{display:inline-block;white-space:nowrap;border:0;border-radius:6px;padding:9px 18px;font:inherit;font-weight:700;color:#fff;background:var(--accent);cursor:pointer;text-decoration:none}
button.approve{background:var(--ok)}button.approve.session{background:#166534}button.reject{background:var(--bad)}button.quiet,.button.quiet{background:#3f3f46}
.button.secondary{background:#fff;color:var(--fg);border:1px solid #a1a1aa;font-weight:600}
.buttons{display:flex;flex-wrap:wrap;gap:10px;margin-top:12px}
.buttons.tight{margin-top:0;gap:6px}
.buttons form{margin:0}
fieldset.checks{border:0;padding:0;margin:12px 0 0;min-width:0}
fieldset.checks legend{font-weight:600;padding:0;margin:0 0 2px}
label.check{display:flex;gap:8px;align-items:baseline;font-weight:400;margin:6px 0}
label.check input{flex:none}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:0 12px;align-items:end}
.filters .buttons{margin-top:10px;grid-column:span 2;flex-wrap:nowrap}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:700;background:#e4e4e7;color:#27272a}
.badge.pending{background:#fef3c7;color:#78350f}.badge.approved{background:#dcfce7;color:#14532d}.badge.rejected{background:#fee2e2;color:#7f1d1d}.badge.timed_out,.badge.cancelled{background:#e4e4e7;color:#3f3f46}
.progress{font-weight:700}
.notice{border-radius:6px;padding:10px 12px;margin:0 0 14px;border:1px solid #bfdbfe;background:#eff6ff;color:#1e3a8a}
.notice.error{border-color:#fecaca;background:#fef2f2;color:#991b1b}
.notice.ok{border-color:#bbf7d0;background:#f0fdf4;color:#14532d}
.secret{font-family:ui-monospace,Menlo,Consolas,monospace;background:#18181b;color:#fef08a;padding:10px;border-radius:6px;word-break:break-all}
pre{white-space:pre-wrap;word-break:break-word;background:#fafafa;border:1px solid var(--line);border-radius:6px;padding:10px;font-size:13px}
.tool-label{margin:0 0 4px;font-size:14px;color:var(--muted)}
.tool-pre{margin:0 0 12px}
.tool-del,.tool-ins,.tool-hunk,.tool-ctx{display:block}
.tool-del{background:#fef2f2;color:#991b1b}.tool-ins{background:#f0fdf4;color:#166534}.tool-hunk{color:#1e3a8a}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{border-left:3px solid var(--line);padding:4px 0 10px 12px;font-size:14px}
ol.timeline time{font-weight:600;font-variant-numeric:tabular-nums}
ol.timeline .day{color:var(--muted);font-weight:400}
ol.timeline .detail{color:var(--muted)}
details.raw{margin-top:10px}
details.raw summary{cursor:pointer;color:var(--accent);font-size:14px}
details.raw pre{max-height:32rem;overflow:auto}
.deadline{margin:0 0 8px;font-size:14px}
h2.sub{font-size:15px;margin:14px 0 4px}
.lead{margin:-4px 0 14px}
.k{color:var(--muted);font-size:13px;margin-right:2px}
table.rules td,table.rules th{font-size:14px}
table.rules tbody th{color:var(--fg);font-weight:700;min-width:9.5rem}
table.rules td>div+div{margin-top:3px}
.split{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px 28px;align-items:start}
.split h3{font-size:15px;margin:10px 0 4px}
.answer{border-left:4px solid var(--line);padding:2px 0 2px 12px}
.answer.ok{border-color:var(--ok)}.answer.refused{border-color:var(--bad)}
.answer .headline{font-weight:700;margin:0 0 4px}
.answer ul{margin:0 0 6px;padding-left:18px;font-size:14px}
.pager{display:flex;flex-wrap:wrap;gap:8px 12px;margin:12px 0}
.live{font-size:12px;color:var(--muted)}
@media (min-width:1000px){table.stack td.nw{white-space:nowrap}}
@media (max-width:760px){.split{grid-template-columns:minmax(0,1fr)}}
@media (max-width:640px){.scroll table{min-width:620px}main{margin:12px auto;padding:0 10px}.card{padding:12px}header.top .who{margin-left:0}th,td{padding:6px 6px 6px 0}dl.facts{grid-template-columns:7.5rem minmax(0,1fr)}.kv th{width:7.5rem}}
@media (max-width:600px){
table.stack>caption{display:block}
table.stack>thead{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table.stack,table.stack>tbody,table.stack>tbody>tr,table.stack>tbody>tr>td,table.stack>tbody>tr>th{display:block;width:auto}
table.stack>tbody>tr{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:0 0 10px}
table.stack>tbody>tr>*{border:0;padding:3px 0 3px 7.5rem;position:relative;min-height:1.9em}
table.stack>tbody>tr>*::before{content:attr(data-label);position:absolute;left:0;top:3px;width:7rem;color:var(--muted);font-size:13px;font-weight:600}
table.stack>tbody>tr>.title{padding:0 0 6px;font-weight:600;font-size:15px}
table.stack>tbody>tr>.title::before{content:none}
.card.list{background:none;border:0;padding:0}
}
`;
