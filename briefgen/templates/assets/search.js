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

  /* Lower case without accents; hyphens and dashes read as spaces, so "new-start" finds
     "New START". Every character stays one character, so a position in the folded text is
     the same position in the original (for marking hits). */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[-\u2010-\u2015]/g, " ").replace(/[\u2018\u2019]/g, "'");
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

  /* What to look for: each "quoted phrase" and each word; a phrase (or a hyphenated word)
     matches its words in order with any spacing between them. */
  function parse(query) {
    var terms = [];
    var rest = query.replace(/["\u201c\u201d]([^"\u201c\u201d]*)["\u201c\u201d]?/g, function (m, phrase) {
      terms.push(phrase);
      return " ";
    });
    terms = terms.concat(rest.split(/\s+/));
    return terms.map(function (t) { return fold(t).trim(); })
      .filter(function (t, i, all) { return t.length > 0 && all.indexOf(t) === i; });
  }

  function pattern(term) {
    return term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
  }

  function count(hay, re) {
    re.lastIndex = 0;
    var n = 0;
    while (n < 20 && re.exec(hay)) { n += 1; }
    return n;
  }

  function search(query) {
    var terms = parse(query);
    if (!terms.length) { return { terms: terms, hits: [] }; }
    var res = terms.map(function (t) { return new RegExp(pattern(t), "g"); });
    var together = new RegExp(pattern(terms.join(" ")));
    var hits = [];
    docs.forEach(function (d) {
      var score = 0;
      if (terms.length > 1) {  /* the words together, as typed, count most */
        score += (together.test(d.head) ? 30 : 0) + (together.test(d.text) ? 15 : 0);
      }
      for (var i = 0; i < res.length; i += 1) {
        var inHead = count(d.head, res[i]) > 0, inTitle = count(d.title, res[i]) > 0;
        var n = count(d.text, res[i]);
        if (!inHead && !inTitle && !n) { return; }
        score += (inHead ? 8 : 0) + (inTitle ? 4 : 0) + Math.min(n, 10);
      }
      hits.push({ d: d, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return { terms: terms, hits: hits.slice(0, 50) };
  }

  function anyTerm(terms) {
    return new RegExp(terms.map(pattern).join("|"), "g");
  }

  /* Text with every hit wrapped in <mark>, appended to `parent` as text nodes. */
  function highlight(parent, text, terms) {
    var folded = fold(text);
    var re = anyTerm(terms), pos = 0, m;
    while (folded.length === text.length && (m = re.exec(folded)) !== null && m[0].length) {
      parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m.index, m.index + m[0].length);
      parent.appendChild(mark);
      pos = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  /* About 240 characters around the first hit, starting at the sentence it is in when that
     begins close enough before it, else at the first whole word; ending at a whole word. */
  function snippet(text, terms) {
    var m = anyTerm(terms).exec(fold(text));
    var at = m ? m.index : 0;
    var start = 0;
    if (at > 90) {
      var sentence = text.slice(0, at).search(/[.!?;:]\s+[^.!?;:]{0,90}$/);
      if (sentence !== -1) {
        start = text.indexOf(" ", sentence) + 1;
        while (text.charAt(start) === " ") { start += 1; }
      } else {
        start = text.indexOf(" ", at - 70) + 1;
      }
    }
    var end = start + 240;
    if (end >= text.length) {
      end = text.length;
    } else {
      var space = text.lastIndexOf(" ", end);
      end = space > at ? space : end;
    }
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
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
