// browser_extract what=text: the page's main content (Mozilla's Readability, when the build bundled it and it finds
// an article) or else the whole page, as Markdown: headings, paragraphs, lists, tables, code and quotes. Links are
// their text alone, numbered references with the addresses listed at the end, or inline Markdown links.
// Hidden elements, scripts, styles and form controls are left out (field values come from what=forms, which
// masks passwords). Runs in the page with { mode, links }; returns { mode, title, byline, text, why }.
({ mode, links }) => {
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'IFRAME']);
  const BLOCK = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'NAV', 'ASIDE', 'FORM', 'FIELDSET', 'FIGURE', 'FIGCAPTION', 'DL', 'DT', 'DD', 'ADDRESS', 'LABEL']);
  let out = [];
  let live = true; // false while rendering Readability's detached copy, which has no styles to compute
  const addresses = new Map();
  const text = (s) => s.replace(/\s+/g, ' ');
  const visible = (el) => {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true') return false;
    if (!live) return true;
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden';
  };
  const link = (inner, href) => {
    if (links === 'inline') return `[${inner}](${href})`;
    if (links !== 'references') return inner;
    if (!addresses.has(href)) addresses.set(href, addresses.size + 1);
    return `${inner} [${addresses.get(href)}]`;
  };
  const inline = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return text(node.textContent);
    if (node.nodeType !== Node.ELEMENT_NODE || SKIP.has(node.tagName) || !visible(node)) return '';
    if (node.tagName === 'BR') return '\n';
    if (node.tagName === 'IMG') return node.alt ? `![${text(node.alt)}]` : '';
    const inner = Array.from(node.childNodes).map(inline).join('');
    if (node.tagName === 'A' && node.href && inner.trim() && !node.href.startsWith('javascript:')) return link(inner.trim(), node.href);
    if ((node.tagName === 'STRONG' || node.tagName === 'B') && inner.trim()) return `**${inner.trim()}**`;
    if ((node.tagName === 'EM' || node.tagName === 'I') && inner.trim()) return `*${inner.trim()}*`;
    if (node.tagName === 'CODE' && inner.trim()) return '`' + inner.trim() + '`';
    return inner;
  };
  const block = (el, prefix) => {
    if (el.nodeType === Node.TEXT_NODE) {
      const t = text(el.textContent).trim();
      if (t) out.push(prefix + t);
      return;
    }
    if (el.nodeType !== Node.ELEMENT_NODE || SKIP.has(el.tagName) || !visible(el)) return;
    const tag = el.tagName;
    if (/^H[1-6]$/.test(tag)) { out.push('', '#'.repeat(Number(tag[1])) + ' ' + inline(el).trim(), ''); return; }
    if (tag === 'UL' || tag === 'OL') {
      let n = 1;
      for (const li of el.children) {
        if (li.tagName !== 'LI' || !visible(li)) continue;
        const marker = tag === 'OL' ? `${n++}. ` : '- ';
        const nested = Array.from(li.children).filter((c) => c.tagName === 'UL' || c.tagName === 'OL');
        const own = Array.from(li.childNodes).filter((c) => !nested.includes(c)).map(inline).join('').trim();
        if (own) out.push(prefix + marker + own);
        nested.forEach((list) => block(list, prefix + '  '));
      }
      return;
    }
    if (tag === 'TABLE') {
      const rows = Array.from(el.rows).map((r) => '| ' + Array.from(r.cells).map((c) => inline(c).trim().replace(/\|/g, '\\|')).join(' | ') + ' |');
      if (rows.length) {
        out.push('');
        out.push(rows[0]);
        out.push('|' + ' --- |'.repeat(el.rows[0].cells.length));
        rows.slice(1).forEach((r) => out.push(r));
        out.push('');
      }
      return;
    }
    if (tag === 'PRE') { out.push('```', el.innerText, '```'); return; }
    if (tag === 'BLOCKQUOTE') { out.push('> ' + inline(el).trim()); return; }
    if (tag === 'HR') { out.push('---'); return; }
    const hasBlocks = Array.from(el.children).some((c) => BLOCK.has(c.tagName) || /^H[1-6]$|^UL$|^OL$|^TABLE$|^PRE$|^BLOCKQUOTE$/.test(c.tagName));
    if (!hasBlocks) {
      const t = inline(el).replace(/[ \t]+\n/g, '\n').trim();
      if (t) out.push(prefix + t);
      if (BLOCK.has(tag)) out.push('');
      return;
    }
    for (const child of el.childNodes) block(child, prefix);
    if (BLOCK.has(tag)) out.push('');
  };
  const render = (root) => {
    out = [];
    block(root, '');
    let rendered = out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
    if (addresses.size) {
      rendered += '\n\nLinks:\n' + Array.from(addresses, ([href, n]) => `[${n}] ${href}`).join('\n');
    }
    return rendered;
  };
  let why = null;
  if (mode !== 'page') {
    if (typeof Readability !== 'function') {
      why = 'this build has no article extractor (Readability was not installed when it was built)';
    } else {
      let article = null;
      try {
        article = new Readability(document.cloneNode(true)).parse();
      } catch (e) {
        why = 'the article extractor failed on this page (' + e + ')';
      }
      if (article && article.content && article.textContent && article.textContent.trim().length >= 200) {
        live = false;
        const body = render(new DOMParser().parseFromString(article.content, 'text/html').body);
        const title = text(article.title || document.title || '').trim();
        const byline = text(article.byline || '').trim();
        return { mode: 'article', title, byline, text: body, why: null };
      }
      why = why || 'no article was found on this page';
    }
  }
  return { mode: 'page', title: document.title, byline: '', text: render(document.body), why };
}
