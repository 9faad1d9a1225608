-- briefgen's pandoc filter for Word output (trusted code of the package, never a template).
-- Pass 1 makes what the HTML reader produced inert: no raw markup, no link of another scheme
-- than http, https, mailto or an anchor inside the document, no image but our own PNG figures.
-- Pass 2 turns the templates' markers into Word constructs: <span class="fn"> becomes a
-- footnote, <div class="pagebreak"> a page break, <div class="toc"> the table of contents
-- field (with the headings filled in, so it reads before Word updates it).

local function safe_target(url)
  local u = url:lower()
  return u:match("^https?:") or u:match("^mailto:") or u:match("^#[%w_%-]+$")
end

local inert = {
  RawBlock = function() return {} end,
  RawInline = function() return {} end,
  Link = function(el)
    if safe_target(el.target) then return el end
    return el.content
  end,
  Image = function(el)
    if el.src:match("^data:image/png;base64,") then return el end
    return pandoc.Str("[" .. pandoc.utils.stringify(el.caption) .. "]")
  end,
}

-- As the PDF's contents: an issue's sections, a book's parts and chapters (heading level 1).
local TOC_LEVELS = 1

local function xml_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function toc_block(doc, title)
  local rows = {}
  table.insert(rows, '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>'
    .. xml_escape(title) .. '</w:t></w:r></w:p>')
  local entries = {}
  doc:walk({
    Header = function(h)
      if h.level <= TOC_LEVELS and h.identifier ~= "" then
        local text = h.content:walk({ Note = function() return {} end })
        table.insert(entries, { h.level, h.identifier, pandoc.utils.stringify(text) })
      end
    end,
  })
  local begin = '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
    .. '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-' .. TOC_LEVELS .. '" \\h \\z \\u </w:instrText></w:r>'
    .. '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
  local finish = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
  if #entries == 0 then
    table.insert(rows, '<w:p>' .. begin .. finish .. '</w:p>')
  end
  for i, e in ipairs(entries) do
    local link = '<w:hyperlink w:anchor="' .. xml_escape(e[2]) .. '"><w:r><w:t xml:space="preserve">'
      .. xml_escape(e[3]) .. '</w:t></w:r></w:hyperlink>'
    table.insert(rows, '<w:p><w:pPr><w:pStyle w:val="TOC' .. e[1] .. '"/></w:pPr>'
      .. (i == 1 and begin or '') .. link .. (i == #entries and finish or '') .. '</w:p>')
  end
  return pandoc.RawBlock("openxml", table.concat(rows))
end

local PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'

local markers = {
  Pandoc = function(doc)
    local blocks = pandoc.List()
    for _, b in ipairs(doc.blocks) do
      if b.t == "Div" and b.classes:includes("toc") then
        blocks:insert(toc_block(doc, pandoc.utils.stringify(b.content)))
      else
        blocks:insert(b)
      end
    end
    doc.blocks = blocks
    return doc
  end,
}

local notes = {
  Span = function(el)
    if el.classes:includes("fn") then
      return pandoc.Note(pandoc.Plain(el.content))
    end
  end,
  Div = function(el)
    if el.classes:includes("pagebreak") then
      return pandoc.RawBlock("openxml", PAGE_BREAK)
    end
  end,
}

return { inert, notes, markers }
