/* briefgen offline search: reads the index that the search page's data scripts (search/*.js,
   loaded before this one, so it works from file:// too, where browsers refuse fetch) put in
   window.briefgenSearch, finds sections holding every word typed, and lists them. Builds the
   results with DOM calls only: no innerHTML, nothing evaluated. */
(function () {
  "use strict";
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !status || !list) { return; }
  var pages = window.briefgenSearch;
  if (!Array.isArray(pages) || !pages.length) {
    status.textContent = "The search index could not be read.";
    return;
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* Each page carries its sections as [anchor, heading, text]. The shards hold pages in no
     particular order: books, then issues, then actors, each by path, break ties in scores. */
  var RANK = { "Briefing book": 0, "Issue": 1, "Actor": 2 };
  pages = pages.slice().sort(function (a, b) {
    var ra = RANK[a.k] === undefined ? 3 : RANK[a.k], rb = RANK[b.k] === undefined ? 3 : RANK[b.k];
    return ra - rb || (a.u < b.u ? -1 : a.u > b.u ? 1 : 0);
  });
  var docs = [];
  pages.forEach(function (page) {
    page.s.forEach(function (sec) {
      var s = { u: sec[0] ? page.u + "#" + sec[0] : page.u, h: sec[1], x: sec[2] };
      docs.push({
        s: s, page: page,
        head: fold(s.h || ""), title: fold(page.t), text: fold(s.x || "")
      });
    });
  });

  function count(hay, needle) {
    var n = 0, at = hay.indexOf(needle);
    while (at !== -1 && n < 20) { n += 1; at = hay.indexOf(needle, at + needle.length); }
    return n;
  }

  function search(query) {
    var terms = fold(query).split(/\s+/).filter(function (t) { return t.length > 0; });
    if (!terms.length) { return { terms: terms, hits: [] }; }
    var phrase = terms.join(" ");
    var hits = [];
    docs.forEach(function (d) {
      var score = 0;
      if (terms.length > 1) {  /* the words together, as typed, count most */
        score += (d.head.indexOf(phrase) !== -1 ? 30 : 0) + (d.text.indexOf(phrase) !== -1 ? 15 : 0);
      }
      for (var i = 0; i < terms.length; i += 1) {
        var t = terms[i];
        var inHead = d.head.indexOf(t) !== -1, inTitle = d.title.indexOf(t) !== -1;
        var n = count(d.text, t);
        if (!inHead && !inTitle && !n) { return; }
        score += (inHead ? 8 : 0) + (inTitle ? 4 : 0) + Math.min(n, 10);
      }
      hits.push({ d: d, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return { terms: terms, hits: hits.slice(0, 50) };
  }

  /* Text with every term wrapped in <mark>, appended to `parent` as text nodes. */
  function highlight(parent, text, terms) {
    var folded = fold(text);
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      terms.forEach(function (t) {
        var at = folded.indexOf(t, pos);
        if (at !== -1 && (best === -1 || at < best)) { best = at; len = t.length; }
      });
      if (best === -1 || folded.length !== text.length) {
        parent.appendChild(document.createTextNode(text.slice(pos)));
        return;
      }
      parent.appendChild(document.createTextNode(text.slice(pos, best)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(best, best + len);
      parent.appendChild(mark);
      pos = best + len;
    }
  }

  function snippet(text, terms) {
    var folded = fold(text);
    var at = -1;
    terms.forEach(function (t) {
      var i = folded.indexOf(t);
      if (i !== -1 && (at === -1 || i < at)) { at = i; }
    });
    var start = Math.max(0, at - 80);
    var end = Math.min(text.length, start + 240);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function show(query) {
    var found = search(query);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!found.terms.length) {
      status.textContent = "Type one or more words to search " + pages.length + " pages.";
      return;
    }
    var n = found.hits.length;
    status.textContent = n === 0 ? "No section contains all of: " + query.trim() + "." :
      (n === 50 ? "The 50 best of many" : n + (n === 1 ? " section" : " sections")) +
      " for: " + query.trim() + ".";
    found.hits.forEach(function (hit) {
      var s = hit.d.s, page = hit.d.page;
      var li = document.createElement("li");
      var title = document.createElement("a");
      title.className = "hit-title";
      title.href = s.u;
      highlight(title, s.h || page.t, found.terms);
      li.appendChild(title);
      var where = document.createElement("div");
      where.className = "hit-page";
      where.textContent = page.k + ": " + page.t;
      li.appendChild(where);
      if (s.x) {
        var p = document.createElement("p");
        p.className = "hit-text";
        highlight(p, snippet(s.x, found.terms), found.terms);
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function queryFromUrl() {
    var params = new URLSearchParams(window.location.search);
    return params.get("q") || "";
  }

  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      show(input.value);
      try {
        var url = new URL(window.location.href);
        url.searchParams.set("q", input.value);
        window.history.replaceState(null, "", url.toString());
      } catch (e) { /* file:// may refuse; the results are shown all the same */ }
    }, 120);
  });
  input.form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
  input.value = queryFromUrl();
  show(input.value);
}());
