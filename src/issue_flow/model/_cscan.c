/* The line scanner of issue_flow.model.scan, compiled (and, at the end of this file, the
 * score matrix of issue_flow.model.pairing, two line filters and strip_markup: the twins
 * of score_matrix_python, document.bold_lines_python, linkcheck.link_lines_python and
 * document.strip_markup_python).
 *
 * scan(lines) here returns what scan.scan_python(lines) returns, field for field, built of
 * the same record classes (Scan, ItemInfo, TableInfo, HeadingInfo) and the same kind
 * strings, which scan.py hands over once with init(). The state machine below is
 * scan_python's, branch for branch and in the same order; the comments name the Python
 * it mirrors. Every regular expression of the hot paths is matched by hand here, with
 * Python's semantics: `\s`, `\S` and str.strip() use Py_UNICODE_ISSPACE, `\d` and int()
 * use Py_UNICODE_ISDECIMAL / Py_UNICODE_TODECIMAL, `.` matches anything but "\n", and `$`
 * matches only at the end of a line's text (the texts have their trailing "\r"/"\n"
 * stripped, so the "before a final newline" case of `$` cannot arise).
 *
 * Called back into Python (rare lines only): _html_block_start (a line starting with '<'
 * where an HTML block could start: a long case-insensitive pattern) and the two patterns
 * of raw HTML blocks (<script>, <pre>, <style>, <textarea>). A list that is not exactly a
 * list, or holds anything but exact str objects, is handed to scan_python whole.
 *
 * Offsets are code points, as Python's. The scanner reads the lines through
 * PyUnicode_READ, so every string kind (1, 2 or 4 bytes a character) is handled alike.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* ------------------------------------------------------------------ what init() hands over */

static PyObject *Scan_cls, *ItemInfo_cls, *TableInfo_cls, *HeadingInfo_cls;
static PyObject *html_block_start; /* scan._html_block_start(body) -> bool */
static PyObject *raw_open_match;   /* re.match(r"<(?:script|pre|style|textarea)", body, re.I) */
static PyObject *raw_close_search; /* re.search(r"</(?:script|pre|style|textarea)>", body, re.I) */
static PyObject *fallback;         /* scan.scan_python */
static PyObject *space_str;        /* " " (the setext text's separator) */

enum { K_BLANK, K_FENCE, K_CODE, K_HTML, K_HEADING, K_TABLE, K_ITEM, K_QUOTE, K_HR, K_TEXT, K_COUNT };
static PyObject *kind_str[K_COUNT];

/* ------------------------------------------------------------------ lines */

typedef struct {
    PyObject *obj;    /* the line (borrowed from the scan's snapshot of the list) */
    const void *data;
    Py_ssize_t len;   /* length of ln.rstrip("\r\n") */
    int kind;
} Line;

#define CH(L, k) PyUnicode_READ((L)->kind, (L)->data, (k))
#define IS_WS(c) ((c) == ' ' || (c) == '\t') /* the [ \t] of the patterns */

/* Is [a, b) of the line all Unicode whitespace (str.strip() would leave nothing)? */
static int
all_space(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t k = a; k < b; k++)
        if (!Py_UNICODE_ISSPACE(CH(L, k)))
            return 0;
    return 1;
}

/* Position of the first `c` in [a, b), or -1. */
static Py_ssize_t
find_char(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c)
{
    if (a >= b)
        return -1;
    if (L->kind == PyUnicode_1BYTE_KIND) {
        if (c > 0xff)
            return -1;
        const Py_UCS1 *d = (const Py_UCS1 *)L->data;
        const Py_UCS1 *p = memchr(d + a, (int)c, (size_t)(b - a));
        return p ? (Py_ssize_t)(p - d) : -1;
    }
    for (Py_ssize_t k = a; k < b; k++)
        if (CH(L, k) == c)
            return k;
    return -1;
}

/* Does the ASCII string `s` occur in [a, b)? (Python's `s in text`.) */
static int
contains_ascii(const Line *L, Py_ssize_t a, Py_ssize_t b, const char *s)
{
    Py_ssize_t m = (Py_ssize_t)strlen(s);
    if (m == 0)
        return 1;
    for (Py_ssize_t k = a; k + m <= b; k++) {
        k = find_char(L, k, b - m + 1, (Py_UCS4)(unsigned char)s[0]);
        if (k < 0)
            return 0;
        Py_ssize_t j = 1;
        while (j < m && CH(L, k + j) == (Py_UCS4)(unsigned char)s[j])
            j++;
        if (j == m)
            return 1;
    }
    return 0;
}

static int
starts_with_ascii(const Line *L, Py_ssize_t a, Py_ssize_t b, const char *s)
{
    Py_ssize_t m = (Py_ssize_t)strlen(s);
    if (b - a < m)
        return 0;
    for (Py_ssize_t j = 0; j < m; j++)
        if (CH(L, a + j) != (Py_UCS4)(unsigned char)s[j])
            return 0;
    return 1;
}

/* Columns of the leading [ \t] run of [a, b), tabs to the next multiple of 4 counted from
 * column 0 at a (indentation(text)[0]); *chars gets the run's length. */
static Py_ssize_t
columns(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *chars)
{
    Py_ssize_t col = 0, k = a;
    for (; k < b; k++) {
        Py_UCS4 c = CH(L, k);
        if (c == ' ')
            col += 1;
        else if (c == '\t')
            col += 4 - col % 4;
        else
            break;
    }
    if (chars)
        *chars = k - a;
    return col;
}

/* ------------------------------------------------------------------ the patterns, by hand */

/* _FENCE_OPEN.match(body), body = [a, b) starting with '`' or '~': the length of the run of
 * that character (group 1) when it matches, else 0. (`(.*)$`: no "\n" after the run.) */
static Py_ssize_t
fence_open(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    Py_UCS4 c = CH(L, a);
    Py_ssize_t k = a;
    while (k < b && CH(L, k) == c)
        k++;
    if (k - a < 3 || find_char(L, k, b, '\n') >= 0)
        return 0;
    return k - a;
}

/* _HR.match(body) with body[0] == c in "*-_": only c, ' ' and '\t', c three times at least. */
static int
is_hr(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t k = a; k < b; k++) {
        Py_UCS4 d = CH(L, k);
        if (d == c)
            count++;
        else if (!IS_WS(d))
            return 0;
    }
    return count >= 3;
}

/* _HEADING.match(body), body = [a, b) starting with '#':
 *   (#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$
 * Returns the level (0: no match); [*ts, *te) is group 2 (empty when it did not take part).
 * Group 2 starts after the longest [ \t]+ and is the shortest text the rest of the pattern
 * can follow: up to the trailing [ \t], or up to the [ \t]+ before a closing #+ run. */
static int
heading(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *ts, Py_ssize_t *te)
{
    Py_ssize_t k = a;
    while (k < b && CH(L, k) == '#')
        k++;
    if (k - a > 6)
        return 0;
    if (k < b && !IS_WS(CH(L, k)))
        return 0;
    if (find_char(L, k, b, '\n') >= 0)
        return 0;
    *ts = *te = k;
    if (k < b) {
        Py_ssize_t r = k, e = b, h, p;
        while (r < b && IS_WS(CH(L, r)))
            r++;
        while (e > r && IS_WS(CH(L, e - 1)))
            e--;
        h = e;
        while (h > r && CH(L, h - 1) == '#')
            h--;
        p = e;
        if (h < e && h > r && IS_WS(CH(L, h - 1))) {
            p = h - 1;
            while (p > r && IS_WS(CH(L, p - 1)))
                p--;
        }
        *ts = r;
        *te = p;
    }
    return (int)(k - a);
}

/* _ITEM.match(body), body = [a, b):  ([-*+]|\d{1,9}[.)])([ \t]+|$)
 * On a match, *mend is the end of group 1 and *pend the end of the match. */
static int
item(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *mend, Py_ssize_t *pend)
{
    if (a >= b)
        return 0;
    Py_UCS4 c = CH(L, a);
    Py_ssize_t k;
    if (c == '-' || c == '*' || c == '+')
        k = a + 1;
    else if (Py_UNICODE_ISDECIMAL(c)) {
        k = a;
        while (k < b && Py_UNICODE_ISDECIMAL(CH(L, k)))
            k++;
        if (k - a > 9 || k >= b || (CH(L, k) != '.' && CH(L, k) != ')'))
            return 0;
        k++;
    }
    else
        return 0;
    *mend = k;
    if (k < b) {
        if (!IS_WS(CH(L, k)))
            return 0;
        while (k < b && IS_WS(CH(L, k)))
            k++;
    }
    *pend = k;
    return 1;
}

/* _TASK.match(rest), rest = [a, b):  \[([ xX])\][ \t]+\S */
static int
task(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    if (b - a < 5 || CH(L, a) != '[' || CH(L, a + 2) != ']')
        return 0;
    Py_UCS4 box = CH(L, a + 1);
    if (box != ' ' && box != 'x' && box != 'X')
        return 0;
    Py_ssize_t k = a + 3;
    if (!IS_WS(CH(L, k)))
        return 0;
    while (k < b && IS_WS(CH(L, k)))
        k++;
    return k < b && !Py_UNICODE_ISSPACE(CH(L, k));
}

/* _SETEXT.fullmatch(body) with body[0] == c in "=-":  =+[ \t]*|-+[ \t]* */
static int
setext(const Line *L, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c)
{
    Py_ssize_t k = a;
    while (k < b && CH(L, k) == c)
        k++;
    while (k < b && IS_WS(CH(L, k)))
        k++;
    return k == b;
}

static int
in_block_start(Py_UCS4 c) /* _BLOCK_START */
{
    switch (c) {
    case '`': case '~': case '<': case '>': case '#': case '*': case '-': case '+': case '_': case '=':
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        return 1;
    default:
        return 0;
    }
}

static int
in_item_start(Py_UCS4 c) /* _ITEM_START */
{
    return c == '-' || c == '*' || c == '+' || (c >= '0' && c <= '9');
}

/* ------------------------------------------------------------------ tables */

/* strip(): [*a, *b) narrowed to leave no Unicode whitespace at either end. */
static void
strip_span(const Line *L, Py_ssize_t *a, Py_ssize_t *b)
{
    while (*a < *b && Py_UNICODE_ISSPACE(CH(L, *a)))
        (*a)++;
    while (*b > *a && Py_UNICODE_ISSPACE(CH(L, *b - 1)))
        (*b)--;
}

/* _DELIM_CELL.match(t), t = [a, b):  :?-+:?$ */
static int
delim_cell(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t k = a;
    if (k < b && CH(L, k) == ':')
        k++;
    Py_ssize_t d = k;
    while (k < b && CH(L, k) == '-')
        k++;
    if (k == d)
        return 0;
    if (k < b && CH(L, k) == ':')
        k++;
    return k == b;
}

/* delimiter_cells(text): the number of columns, or -1 for None. */
static Py_ssize_t
delimiter_cells(const Line *L)
{
    Py_ssize_t a = 0, b = L->len;
    strip_span(L, &a, &b);
    if (a == b)
        return -1;
    Py_UCS4 s0 = CH(L, a);
    if (s0 != '|' && s0 != '-' && s0 != ':')
        return -1;
    if (b - a > 1 && s0 == '-' && IS_WS(CH(L, a + 1)))
        return -1;
    for (Py_ssize_t k = a; k < b; k++) {
        Py_UCS4 c = CH(L, k);
        if (c != '|' && c != '-' && c != ':' && !IS_WS(c))
            return -1;
    }
    Py_ssize_t count = 0, start = a;
    int first = 1;
    for (Py_ssize_t k = a;; k++) {
        if (k < b && CH(L, k) != '|')
            continue;
        /* a part [start, k): first when it starts the text, last when it ends it */
        Py_ssize_t ta = start, tb = k;
        strip_span(L, &ta, &tb);
        if (ta == tb) {
            if (!(first || k == b))
                return -1;
        }
        else if (!delim_cell(L, ta, tb))
            return -1;
        else
            count++;
        if (k == b)
            break;
        first = 0;
        start = k + 1;
    }
    return count;
}

/* len(split_cells(s)) for s = [a, b). */
static Py_ssize_t
split_cells_count(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t spans = 1, first_end = -1, last_start = a;
    int escaped = 0;
    for (Py_ssize_t k = a; k < b; k++) {
        Py_UCS4 c = CH(L, k);
        if (c == '|' && !escaped) {
            spans++;
            if (first_end < 0)
                first_end = k;
            last_start = k + 1;
        }
        escaped = c == '\\' && !escaped;
    }
    if (first_end < 0)
        first_end = b;
    if (all_space(L, a, first_end))
        spans--;
    if (spans > 0 && all_space(L, last_start, b))
        spans--;
    return spans;
}

/* _header_cells(body), body = [a, b). */
static Py_ssize_t
header_cells(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    strip_span(L, &a, &b);
    if (find_char(L, a, b, '|') < 0)
        return 0;
    Py_ssize_t p = a, q = b, pipes = 0;
    while (p < q && CH(L, p) == '|') /* s.strip("|") */
        p++;
    while (q > p && CH(L, q - 1) == '|')
        q--;
    for (Py_ssize_t k = a; k < b; k++)
        pipes += CH(L, k) == '|';
    if (all_space(L, p, q) && pipes <= 1)
        return 0;
    return split_cells_count(L, a, b);
}

/* _table_header(texts, i, body, base), body = lines[i][a, b). */
static int
table_header(const Line *lines, Py_ssize_t n, Py_ssize_t i, Py_ssize_t a, Py_ssize_t b, Py_ssize_t base)
{
    if (i + 1 >= n)
        return 0;
    Py_ssize_t d = delimiter_cells(&lines[i + 1]);
    if (d < 0 || d != header_cells(&lines[i], a, b))
        return 0;
    Py_ssize_t ncol = columns(&lines[i + 1], 0, lines[i + 1].len, NULL) - base;
    return 0 <= ncol && ncol < 4;
}

/* ------------------------------------------------------------------ calls into Python */

/* bool(func(body)) for body = line[a, b); -1 on an error. */
static int
call_truth(PyObject *func, const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *body = PyUnicode_Substring(L->obj, a, b);
    if (body == NULL)
        return -1;
    PyObject *got = PyObject_CallOneArg(func, body);
    Py_DECREF(body);
    if (got == NULL)
        return -1;
    int truth = PyObject_IsTrue(got);
    Py_DECREF(got);
    return truth;
}

/* _starts_block(body), body = line[a, b) (not empty); -1 on an error. */
static int
starts_block(const Line *L, Py_ssize_t a, Py_ssize_t b)
{
    Py_UCS4 c = CH(L, a);
    Py_ssize_t ts, te;
    switch (c) {
    case '>':
        return 1;
    case '#':
        return heading(L, a, b, &ts, &te) != 0;
    case '`': case '~':
        return fence_open(L, a, b) != 0;
    case '*': case '-': case '_':
        return is_hr(L, a, b, c);
    case '<':
        return call_truth(html_block_start, L, a, b);
    default:
        return 0;
    }
}

static int
append_record(PyObject *list, PyObject *cls, PyObject *const *args, size_t nargs)
{
    PyObject *rec = PyObject_Vectorcall(cls, args, nargs, NULL);
    if (rec == NULL)
        return -1;
    int r = PyList_Append(list, rec);
    Py_DECREF(rec);
    return r;
}

/* items.append(ItemInfo(line, indent, marker, content_col, task_col, depth)) */
static int
add_item(PyObject *items, Py_ssize_t line, Py_ssize_t indent, const Line *L, Py_ssize_t ma, Py_ssize_t mb,
         Py_ssize_t content_col, Py_ssize_t task_col, Py_ssize_t depth)
{
    PyObject *args[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    int r = -1;
    if ((args[0] = PyLong_FromSsize_t(line)) == NULL || (args[1] = PyLong_FromSsize_t(indent)) == NULL ||
        (args[2] = PyUnicode_Substring(L->obj, ma, mb)) == NULL ||
        (args[3] = PyLong_FromSsize_t(content_col)) == NULL)
        goto done;
    if (task_col < 0)
        args[4] = Py_NewRef(Py_None);
    else if ((args[4] = PyLong_FromSsize_t(task_col)) == NULL)
        goto done;
    if ((args[5] = PyLong_FromSsize_t(depth)) == NULL)
        goto done;
    r = append_record(items, ItemInfo_cls, args, 6);
done:
    for (int k = 0; k < 6; k++)
        Py_XDECREF(args[k]);
    return r;
}

/* headings.append(HeadingInfo(line, level, text)) or, setext, (line, level, text, True);
 * steals `text`. */
static int
add_heading(PyObject *headings, Py_ssize_t line, int level, PyObject *text, int is_setext)
{
    PyObject *args[4] = {NULL, NULL, text, Py_True};
    int r = -1;
    if (text == NULL)
        return -1;
    if ((args[0] = PyLong_FromSsize_t(line)) != NULL && (args[1] = PyLong_FromLong(level)) != NULL)
        r = append_record(headings, HeadingInfo_cls, args, is_setext ? 4 : 3);
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    Py_DECREF(text);
    return r;
}

/* tables.append(TableInfo(header=line, delimiter=line + 1, indent=indent)); *body gets a
 * new reference to the table's body list. */
static int
add_table(PyObject *tables, Py_ssize_t line, Py_ssize_t indent, PyObject **body)
{
    PyObject *args[4] = {NULL, NULL, NULL, NULL};
    int r = -1;
    if ((args[0] = PyLong_FromSsize_t(line)) != NULL && (args[1] = PyLong_FromSsize_t(line + 1)) != NULL &&
        (args[2] = PyList_New(0)) != NULL && (args[3] = PyLong_FromSsize_t(indent)) != NULL)
        r = append_record(tables, TableInfo_cls, args, 4);
    if (r == 0)
        *body = Py_NewRef(args[2]);
    for (int k = 0; k < 4; k++)
        Py_XDECREF(args[k]);
    return r;
}

static int
add_line(PyObject *list, Py_ssize_t i)
{
    PyObject *v = PyLong_FromSsize_t(i);
    if (v == NULL)
        return -1;
    int r = PyList_Append(list, v);
    Py_DECREF(v);
    return r;
}

/* " ".join(t.strip() for t in texts[start:end]) */
static PyObject *
setext_text(const Line *lines, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t count = end > start ? end - start : 0;
    PyObject *parts = PyList_New(count);
    if (parts == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Line *T = &lines[start + k];
        Py_ssize_t a = 0, b = T->len;
        strip_span(T, &a, &b);
        PyObject *s = PyUnicode_Substring(T->obj, a, b);
        if (s == NULL) {
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, k, s);
    }
    PyObject *text = PyUnicode_Join(space_str, parts);
    Py_DECREF(parts);
    return text;
}

/* ------------------------------------------------------------------ the scanner */

static PyObject *
scan_lines(const Line *lines, Py_ssize_t n)
{
    PyObject *items = NULL, *tables = NULL, *headings = NULL, *kinds = NULL, *result = NULL;
    PyObject *table = NULL; /* the open table's body list (None in Python: no open table) */
    unsigned char *kc = NULL;
    Py_ssize_t *stack = NULL, sp = 0;

    int fence = 0;                               /* fence is not None */
    Py_UCS4 fence_ch = 0;                        /* fence[0] */
    Py_ssize_t fence_len = 0, fence_indent = 0;  /* fence[1], fence[2] */
    const char *html_end = NULL;                 /* None, or what ends the HTML block */
    int prev_blank = 1, para = 0, quote = 0;
    Py_ssize_t empty_item = -2, para_start = 0, para_depth = 0;

    kc = PyMem_New(unsigned char, n ? n : 1);
    stack = PyMem_New(Py_ssize_t, n ? n : 1); /* an item a line at most */
    items = PyList_New(0);
    tables = PyList_New(0);
    headings = PyList_New(0);
    if (kc == NULL || stack == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (items == NULL || tables == NULL || headings == NULL)
        goto fail;
    memset(kc, K_TEXT, (size_t)n);

#define CLOSE_TABLE() Py_CLEAR(table)
/* line i is paragraph text (it opens a paragraph or continues the open one) */
#define PARAGRAPH_LINE()                                \
    do {                                                \
        kc[i] = K_TEXT;                                 \
        if (!para) {                                    \
            para_start = i;                             \
            para_depth = sp;                            \
        }                                               \
        para = 1;                                       \
        quote = was_quote;                              \
    } while (0)
/* lines i and i+1 open a table (its header and delimiter rows); the caller continues */
#define OPEN_TABLE()                                    \
    do {                                                \
        if (add_table(tables, i, col, &table) < 0)      \
            goto fail;                                  \
        kc[i] = kc[i + 1] = K_TABLE;                    \
        para = 0;                                       \
        prev_blank = 0;                                 \
        i += 2;                                         \
    } while (0)
#define TOP (stack[sp - 1])

    Py_ssize_t i = 0;
    while (i < n) {
        const Line *L = &lines[i];
        Py_ssize_t len = L->len;
        if (len == 0 && !fence && html_end == NULL) { /* an empty line */
            if (empty_item == i - 1 && sp)
                sp--;
            kc[i] = K_BLANK;
            prev_blank = 1;
            para = quote = 0;
            CLOSE_TABLE();
            i++;
            continue;
        }
        Py_ssize_t col, nch;
        int blank;
        if (len && IS_WS(CH(L, 0))) {
            col = columns(L, 0, len, &nch);
            blank = all_space(L, nch, len);
        }
        else {
            col = nch = 0;
            blank = len == 0;
        }
        /* body is [nch, len) of the line */

        if (fence && !sp) {
            /* inside a fence outside lists only a line starting with the fence's character
               can close it: skip to the next such line */
            Py_ssize_t j = i;
            while (j < n) {
                Py_ssize_t k;
                columns(&lines[j], 0, lines[j].len, &k);
                if (k < lines[j].len && CH(&lines[j], k) == fence_ch)
                    break;
                j++;
            }
            if (j > i) {
                memset(kc + i, K_FENCE, (size_t)(j - i));
                i = j;
                continue;
            }
        }
        if (fence) {
            if (sp && !blank && col < TOP && fence_indent >= TOP) {
                fence = 0; /* the list item that held the fence ended: the fence closes with it */
                continue;
            }
            kc[i] = K_FENCE;
            if (nch < len && CH(L, nch) == fence_ch && (col - fence_indent < 4 || col < 4)) {
                Py_ssize_t run = fence_open(L, nch, len);
                if (run && run >= fence_len && all_space(L, nch + run, len))
                    fence = 0;
            }
            i++;
            continue;
        }

        if (html_end != NULL) {
            if (html_end[0] == '\0' && blank) {
                html_end = NULL;
                kc[i] = K_BLANK;
                prev_blank = 1;
                i++;
                continue;
            }
            kc[i] = K_HTML;
            if (html_end[0] && contains_ascii(L, 0, len, html_end))
                html_end = NULL;
            i++;
            continue;
        }

        if (blank) {
            if (empty_item == i - 1 && sp)
                sp--;
            kc[i] = K_BLANK;
            prev_blank = 1;
            para = 0;
            quote = 0;
            CLOSE_TABLE();
            i++;
            continue;
        }

        int was_quote = quote;
        quote = 0;
        Py_UCS4 c0 = CH(L, nch);
        int star_dash = c0 == '*' || c0 == '-' || c0 == '_';
        int hr = star_dash && is_hr(L, nch, len, c0);
        Py_ssize_t base = 0;
        if (sp) {
            /* Only paragraph text may continue an item lazily; any other block that starts
               left of the item's content column ends the item. */
            int leave = prev_blank || !para;
            if (!leave) {
                leave = star_dash ? hr : starts_block(L, nch, len);
                if (leave < 0)
                    goto fail;
            }
            if (leave)
                while (sp && col < TOP)
                    sp--;
            base = sp ? TOP : 0;
        }
        Py_ssize_t rel = col - base;

        if (!in_block_start(c0) && 0 <= rel && rel < 4) {
            /* plain words (or a pipe): a table row, a table header, or paragraph text */
            prev_blank = 0;
            if (table != NULL) {
                kc[i] = K_TABLE;
                if (add_line(table, i) < 0)
                    goto fail;
            }
            else if (!was_quote && find_char(L, nch, len, '|') >= 0 && table_header(lines, n, i, nch, len, base)) {
                OPEN_TABLE();  /* prev_blank is 0 already */
                continue;
            }
            else {
                PARAGRAPH_LINE();
                if (!sp) {
                    /* more lines of plain words at column 0 continue this paragraph and
                       change nothing else: skip to the first line that might */
                    Py_ssize_t j = i + 1;
                    while (j < n) {
                        const Line *T = &lines[j];
                        if (T->len == 0 || in_block_start(CH(T, 0)) || IS_WS(CH(T, 0)) ||
                            find_char(T, 0, T->len, '|') >= 0)
                            break;
                        j++;
                    }
                    if (j > i + 1) { /* kc is K_TEXT there already */
                        i = j;
                        continue;
                    }
                }
            }
            i++;
            continue;
        }

        /* table body rows continue until a blank line or another block starts */
        if (table != NULL) {
            if (rel < 4) {
                int sb = star_dash ? hr : starts_block(L, nch, len);
                if (sb < 0)
                    goto fail;
                Py_ssize_t me, pe;
                if (!sb && !item(L, nch, len, &me, &pe)) {
                    kc[i] = K_TABLE;
                    if (add_line(table, i) < 0)
                        goto fail;
                    i++;
                    prev_blank = 0;
                    continue;
                }
            }
            CLOSE_TABLE();
        }

        if (rel >= 4 && !para) {
            kc[i] = K_CODE;
            prev_blank = 0;
            i++;
            continue;
        }

        if (c0 == '`' || c0 == '~') {
            Py_ssize_t run = fence_open(L, nch, len);
            if (run && rel < 4 && !(c0 == '`' && find_char(L, nch + run, len, '`') >= 0)) {
                fence = 1;
                fence_ch = c0;
                fence_len = run;
                fence_indent = col;
                kc[i] = K_FENCE;
                para = 0;
                prev_blank = 0;
                i++;
                continue;
            }
        }

        if (c0 == '>' && rel < 4) {
            Py_ssize_t k = nch;
            while (k < len && CH(L, k) == '>')
                k++;
            kc[i] = K_QUOTE;
            para = !all_space(L, k, len); /* lazy lines may continue its paragraph */
            quote = 1;
            prev_blank = 0;
            i++;
            continue;
        }

        if (rel < 4 && c0 == '<') {
            int opens = call_truth(html_block_start, L, nch, len);
            if (opens < 0)
                goto fail;
            if (opens) {
                /* HTML block types 1-6 (7, a lone tag, cannot interrupt a paragraph) */
                kc[i] = K_HTML;
                int raw;
                if (starts_with_ascii(L, nch, len, "<!--")) {
                    if (!contains_ascii(L, nch + 4, len, "-->"))
                        html_end = "-->";
                }
                else if ((raw = call_truth(raw_open_match, L, nch, len)) != 0) {
                    if (raw < 0)
                        goto fail;
                    int closed = call_truth(raw_close_search, L, nch, len);
                    if (closed < 0)
                        goto fail;
                    if (!closed)
                        html_end = "</";
                }
                else if (starts_with_ascii(L, nch, len, "<?"))
                    html_end = contains_ascii(L, nch, len, "?>") ? NULL : "?>";
                else if (starts_with_ascii(L, nch, len, "<![CDATA["))
                    html_end = contains_ascii(L, nch, len, "]]>") ? NULL : "]]>";
                else if (starts_with_ascii(L, nch, len, "<!"))
                    html_end = contains_ascii(L, nch, len, ">") ? NULL : ">";
                else
                    html_end = "";
                para = 0;
                prev_blank = 0;
                i++;
                continue;
            }
        }

        if (rel < 4 && c0 == '#') {
            Py_ssize_t ts, te;
            int level = heading(L, nch, len, &ts, &te);
            if (level) {
                kc[i] = K_HEADING;
                strip_span(L, &ts, &te);
                if (add_heading(headings, i, level, PyUnicode_Substring(L->obj, ts, te), 0) < 0)
                    goto fail;
                para = 0;
                prev_blank = 0;
                i++;
                continue;
            }
        }

        if (para && (c0 == '=' || c0 == '-') && !was_quote && 0 <= rel && rel < 4 && sp == para_depth &&
            setext(L, nch, len, c0)) {
            /* setext heading: the open paragraph is its text, this line its underline */
            kc[i] = K_HEADING;
            if (add_heading(headings, i, c0 == '=' ? 1 : 2, setext_text(lines, para_start, i), 1) < 0)
                goto fail;
            para = 0;
            prev_blank = 0;
            i++;
            continue;
        }

        if (hr && rel < 4) {
            kc[i] = K_HR;
            para = 0;
            prev_blank = 0;
            i++;
            continue;
        }

        /* an item is measured against the innermost container its marker sits in */
        Py_ssize_t outer = 0;
        if (col && sp)
            for (Py_ssize_t k = 0; k < sp; k++)
                if (stack[k] <= col && stack[k] > outer)
                    outer = stack[k];
        Py_ssize_t mend, pend;
        if (in_item_start(c0) && col - outer < 4 && item(L, nch, len, &mend, &pend)) {
            int cannot = 0;
            if (para && !sp && !was_quote) {
                /* _cannot_interrupt: an item interrupts a paragraph only if it is not empty
                   and (if ordered) starts at 1 */
                if (all_space(L, mend, len))
                    cannot = 1;
                else if (c0 >= '0' && c0 <= '9') {
                    long value = 0;
                    for (Py_ssize_t k = nch; k < mend - 1; k++)
                        value = value * 10 + Py_UNICODE_TODECIMAL(CH(L, k));
                    cannot = value != 1;
                }
            }
            if (!cannot) {
                Py_ssize_t mlen = mend - nch, pad_n = pend - mend;
                Py_ssize_t pad_col = columns(L, mend, pend, NULL);
                int has_text = !all_space(L, pend, len);
                Py_ssize_t content_col;
                if (!has_text || pad_col > 4)
                    content_col = col + mlen + 1;
                else
                    content_col = col + mlen + pad_col;
                while (sp && col < TOP) /* a sibling or a shallower item closes deeper ones */
                    sp--;
                Py_ssize_t depth = sp, task_col = -1;
                if (pend < len && CH(L, pend) == '[' && 1 <= pad_col && pad_col <= 4 && task(L, pend, len))
                    task_col = nch + mlen + pad_n;
                if (add_item(items, i, col, L, nch, mend, content_col, task_col, depth) < 0)
                    goto fail;
                stack[sp++] = content_col;
                quote = 0;
                kc[i] = K_ITEM;
                para = has_text;
                empty_item = para ? -2 : i;
                para_start = i + 1; /* an underline needs text after the marker line */
                para_depth = sp;
                prev_blank = 0;
                i++;
                continue;
            }
        }

        /* table: this line is a header row when the next line is a matching delimiter row */
        if (0 <= rel && rel < 4 && !was_quote && find_char(L, nch, len, '|') >= 0 &&
            table_header(lines, n, i, nch, len, base)) {
            CLOSE_TABLE();
            OPEN_TABLE();
            continue;
        }

        PARAGRAPH_LINE();
        prev_blank = 0;
        i++;
    }
#undef CLOSE_TABLE
#undef OPEN_TABLE
#undef PARAGRAPH_LINE
#undef TOP

    kinds = PyList_New(n);
    if (kinds == NULL)
        goto fail;
    for (Py_ssize_t k = 0; k < n; k++)
        PyList_SET_ITEM(kinds, k, Py_NewRef(kind_str[kc[k]]));
    {
        PyObject *args[4] = {kinds, items, tables, headings};
        result = PyObject_Vectorcall(Scan_cls, args, 4, NULL);
    }
fail:
    Py_XDECREF(table);
    Py_XDECREF(kinds);
    Py_XDECREF(items);
    Py_XDECREF(tables);
    Py_XDECREF(headings);
    PyMem_Free(kc);
    PyMem_Free(stack);
    return result;
}

/* ------------------------------------------------------------------ module functions */

static PyObject *
scan_impl(PyObject *lines_arg)
{
    if (Scan_cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "issue_flow.model._cscan.init() was not called");
        return NULL;
    }
    if (!PyList_CheckExact(lines_arg))
        return PyObject_CallOneArg(fallback, lines_arg);
    /* a snapshot: the list cannot change under the scan (the calls into Python run code) */
    PyObject *snap = PyList_GetSlice(lines_arg, 0, PyList_GET_SIZE(lines_arg));
    if (snap == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(snap);
    for (Py_ssize_t k = 0; k < n; k++) {
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(snap, k))) {
            Py_DECREF(snap);
            return PyObject_CallOneArg(fallback, lines_arg);
        }
    }
    Line *lines = PyMem_New(Line, n ? n : 1);
    if (lines == NULL) {
        Py_DECREF(snap);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(snap, k);
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(s) < 0) {
            PyMem_Free(lines);
            Py_DECREF(snap);
            return NULL;
        }
#endif
        Line *L = &lines[k];
        L->obj = s;
        L->kind = PyUnicode_KIND(s);
        L->data = PyUnicode_DATA(s);
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        while (len > 0) { /* ln.rstrip("\r\n") */
            Py_UCS4 c = CH(L, len - 1);
            if (c != '\r' && c != '\n')
                break;
            len--;
        }
        L->len = len;
    }
    PyObject *result = scan_lines(lines, n);
    PyMem_Free(lines);
    Py_DECREF(snap);
    return result;
}

static PyObject *
cscan_scan(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs == 1 && nkw == 0)
        return scan_impl(args[0]);
    if (nargs == 0 && nkw == 1) {
        int eq = PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "lines");
        if (eq == 0)
            return scan_impl(args[0]);
    }
    PyErr_SetString(PyExc_TypeError, "scan() takes exactly one argument (lines)");
    return NULL;
}

static PyObject *
cscan_init(PyObject *module, PyObject *args)
{
    PyObject *classes[4], *kinds, *funcs[4];
    if (!PyArg_ParseTuple(args, "OOOOO!OOOO:init", &classes[0], &classes[1], &classes[2], &classes[3],
                          &PyTuple_Type, &kinds, &funcs[0], &funcs[1], &funcs[2], &funcs[3]))
        return NULL;
    if (PyTuple_GET_SIZE(kinds) != K_COUNT) {
        PyErr_Format(PyExc_ValueError, "init() needs the %d line kinds", K_COUNT);
        return NULL;
    }
    for (int k = 0; k < K_COUNT; k++)
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(kinds, k))) {
            PyErr_SetString(PyExc_TypeError, "the line kinds must be str");
            return NULL;
        }
    for (int k = 0; k < 4; k++)
        if (!PyCallable_Check(classes[k]) || !PyCallable_Check(funcs[k])) {
            PyErr_SetString(PyExc_TypeError, "init() needs callables");
            return NULL;
        }
    if (space_str == NULL && (space_str = PyUnicode_FromString(" ")) == NULL)
        return NULL;
    Py_XSETREF(Scan_cls, Py_NewRef(classes[0]));
    Py_XSETREF(ItemInfo_cls, Py_NewRef(classes[1]));
    Py_XSETREF(TableInfo_cls, Py_NewRef(classes[2]));
    Py_XSETREF(HeadingInfo_cls, Py_NewRef(classes[3]));
    for (int k = 0; k < K_COUNT; k++)
        Py_XSETREF(kind_str[k], Py_NewRef(PyTuple_GET_ITEM(kinds, k)));
    Py_XSETREF(html_block_start, Py_NewRef(funcs[0]));
    Py_XSETREF(raw_open_match, Py_NewRef(funcs[1]));
    Py_XSETREF(raw_close_search, Py_NewRef(funcs[2]));
    Py_XSETREF(fallback, Py_NewRef(funcs[3]));
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ pairing's score matrix */

/* A word of a label (a str of the label's tuple, borrowed). */
typedef struct {
    const void *data;
    Py_ssize_t len;
    int kind;
} Word;

/* Are the first n code points of a and b the same (both hold n at least)? */
static int
same_start(const Word *a, const Word *b, Py_ssize_t n)
{
    if (a->kind == b->kind)
        return memcmp(a->data, b->data, (size_t)n * (size_t)a->kind) == 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (PyUnicode_READ(a->kind, a->data, k) != PyUnicode_READ(b->kind, b->data, k))
            return 0;
    return 1;
}

/* pairing._match: equal; or the shorter one (of 3 letters or more) starts the other; or
   both (of 5 letters or more) start with the same 5 letters. */
static int
word_match(const Word *a, const Word *b)
{
    const Word *s = a->len <= b->len ? a : b, *l = s == a ? b : a;
    if (s->len == 0)
        return l->len == 0;
    if (PyUnicode_READ(a->kind, a->data, 0) != PyUnicode_READ(b->kind, b->data, 0))
        return 0; /* every rule needs the same first letter */
    if (s->len >= 3 || a->len == b->len) {
        if (same_start(s, l, s->len))
            return 1; /* equal, or a prefix of 3 letters or more */
    }
    return s->len >= 5 && same_start(a, b, 5);
}

/* Share of the words of `s` (ns > 0) that match a word of `l` (nl > 0): pairing._share. */
static double
share(const Word *s, Py_ssize_t ns, const Word *l, Py_ssize_t nl)
{
    Py_ssize_t hit = 0;
    for (Py_ssize_t i = 0; i < ns; i++)
        for (Py_ssize_t j = 0; j < nl; j++)
            if (word_match(&s[i], &l[j])) {
                hit++;
                break;
            }
    return (double)hit / (double)ns;
}

/* The words of each label of `labels` (a sequence of tuples of str) into `words` (from
   offset *used); start[k], start[k + 1] bound label k's. -1 with an exception set. */
static int
label_words(PyObject *labels, Word **words, Py_ssize_t *cap, Py_ssize_t *used, Py_ssize_t *start)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(labels);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *label = PySequence_Fast_GET_ITEM(labels, k);
        if (!PyTuple_Check(label)) {
            PyErr_SetString(PyExc_TypeError, "score_matrix() needs labels as tuples of str");
            return -1;
        }
        Py_ssize_t m = PyTuple_GET_SIZE(label);
        start[k] = *used;
        if (*used + m > *cap) {
            Py_ssize_t want = 2 * (*used + m);
            Word *grown = PyMem_Resize(*words, Word, want);
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            *words = grown;
            *cap = want;
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *w = PyTuple_GET_ITEM(label, j);
            if (!PyUnicode_Check(w)) {
                PyErr_SetString(PyExc_TypeError, "score_matrix() needs labels as tuples of str");
                return -1;
            }
#if PY_VERSION_HEX < 0x030C0000
            if (PyUnicode_READY(w) < 0)
                return -1;
#endif
            Word *x = &(*words)[*used + j];
            x->data = PyUnicode_DATA(w);
            x->len = PyUnicode_GET_LENGTH(w);
            x->kind = PyUnicode_KIND(w);
        }
        *used += m;
    }
    start[n] = *used;
    return 0;
}

/* The best of a criterion's label and text (its two word lists) against a row's words, as
   pairing.score_matrix_python computes it. */
static double
cell_score(const Word *cw, Py_ssize_t nc, const Word *ca, Py_ssize_t na, const Word *rw, Py_ssize_t nr)
{
    double best = 0.0;
    if (nc && nr)
        best = nc <= nr ? share(cw, nc, rw, nr) : share(rw, nr, cw, nc);
    if (na && nr) {
        double alt = na <= nr ? share(ca, na, rw, nr) : share(rw, nr, ca, na);
        if (alt > best)
            best = alt;
    }
    return best;
}

static PyObject *
cscan_score_matrix(PyObject *self, PyObject *args)
{
    PyObject *crit_in, *alt_in, *rows_in;
    if (!PyArg_ParseTuple(args, "OOO:score_matrix", &crit_in, &alt_in, &rows_in))
        return NULL;
    PyObject *crit = NULL, *alt = NULL, *rows = NULL, *out = NULL;
    Word *words = NULL;
    Py_ssize_t *start = NULL, cap = 0, used = 0;
    crit = PySequence_Fast(crit_in, "score_matrix() needs a sequence of criteria");
    alt = crit ? PySequence_Fast(alt_in, "score_matrix() needs a sequence of texts") : NULL;
    rows = alt ? PySequence_Fast(rows_in, "score_matrix() needs a sequence of rows") : NULL;
    if (rows == NULL)
        goto done;
    Py_ssize_t nc = PySequence_Fast_GET_SIZE(crit), nr = PySequence_Fast_GET_SIZE(rows);
    if (PySequence_Fast_GET_SIZE(alt) != nc) {
        PyErr_SetString(PyExc_ValueError, "score_matrix() needs a text's words for each criterion");
        goto done;
    }
    /* label k of criteria, texts and rows: [start[k], start[k + 1]) at offsets 0, nc + 1, 2 nc + 2 */
    start = PyMem_New(Py_ssize_t, 2 * nc + nr + 3);
    if (start == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (label_words(crit, &words, &cap, &used, start) < 0 ||
        label_words(alt, &words, &cap, &used, start + nc + 1) < 0 ||
        label_words(rows, &words, &cap, &used, start + 2 * nc + 2) < 0)
        goto done;
    const Py_ssize_t *cs = start, *as = start + nc + 1, *rs = start + 2 * nc + 2;
    out = PyList_New(nc);
    if (out == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < nc; i++) {
        PyObject *line = PyList_New(nr);
        if (line == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, line);
        for (Py_ssize_t j = 0; j < nr; j++) {
            double v = cell_score(words + cs[i], cs[i + 1] - cs[i], words + as[i], as[i + 1] - as[i],
                                  words + rs[j], rs[j + 1] - rs[j]);
            PyObject *f = PyFloat_FromDouble(v);
            if (f == NULL) {
                Py_CLEAR(out);
                goto done;
            }
            PyList_SET_ITEM(line, j, f);
        }
    }
done:
    PyMem_Free(words);
    PyMem_Free(start);
    Py_XDECREF(crit);
    Py_XDECREF(alt);
    Py_XDECREF(rows);
    return out;
}

PyDoc_STRVAR(score_matrix_doc,
"score_matrix(criteria, texts, rows)\n--\n\n"
"The score of each criterion (its label's words, and its text's words or ()) against each\n"
"row's words, as issue_flow.model.pairing.score_matrix_python computes it: a list per\n"
"criterion, a float per row.");

/* ------------------------------------------------------------------ line filters */

/* Does line `s` pass the filter (0: bold_lines, 1: link_lines)? */
static int
line_passes(PyObject *s, int which)
{
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (which == 0) { /* line.lstrip().startswith("**") */
        Py_ssize_t k = 0;
        while (k < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k)))
            k++;
        return k + 1 < n && PyUnicode_READ(kind, data, k) == '*' && PyUnicode_READ(kind, data, k + 1) == '*';
    }
    /* "](" in line or "]:" in line */
    if (kind == PyUnicode_1BYTE_KIND) {
        const char *p = (const char *)data, *end = p + n;
        while ((p = memchr(p, ']', (size_t)(end - p))) != NULL && p + 1 < end) {
            if (p[1] == '(' || p[1] == ':')
                return 1;
            p++;
        }
        return 0;
    }
    for (Py_ssize_t k = 0; k + 1 < n; k++)
        if (PyUnicode_READ(kind, data, k) == ']') {
            Py_UCS4 c = PyUnicode_READ(kind, data, k + 1);
            if (c == '(' || c == ':')
                return 1;
        }
    return 0;
}

/* The indices of the lines of `lines` (a sequence of str) that pass filter `which`. */
static PyObject *
filter_lines(PyObject *lines, int which, const char *name)
{
    PyObject *seq = PySequence_Fast(lines, "needs a list of str");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError, "%s() needs a list of str", name);
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "%s() needs a list of str", name);
            goto fail;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(s) < 0)
            goto fail;
#endif
        if (line_passes(s, which)) {
            PyObject *k = PyLong_FromSsize_t(i);
            if (k == NULL || PyList_Append(out, k) < 0) {
                Py_XDECREF(k);
                goto fail;
            }
            Py_DECREF(k);
        }
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

static PyObject *
cscan_bold_lines(PyObject *self, PyObject *lines)
{
    return filter_lines(lines, 0, "bold_lines");
}

static PyObject *
cscan_link_lines(PyObject *self, PyObject *lines)
{
    return filter_lines(lines, 1, "link_lines");
}

PyDoc_STRVAR(bold_lines_doc,
"bold_lines(lines)\n--\n\n"
"The indices of the lines whose first character that is not whitespace starts \"**\":\n"
"issue_flow.model.document.bold_lines_python's twin.");

PyDoc_STRVAR(link_lines_doc,
"link_lines(lines)\n--\n\n"
"The indices of the lines holding \"](\" or \"]:\": issue_flow.linkcheck.link_lines_python's twin.");

/* ------------------------------------------------------------------ strip_markup */

/* Python's \w for str patterns (sre's SRE_UNI_IS_WORD). */
#define IS_WORD(c) (Py_UNICODE_ISALNUM(c) || (c) == '_')

static PyObject *
cscan_strip_markup(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "strip_markup() needs a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)
        return NULL;
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_UCS4 *a = PyMem_New(Py_UCS4, n ? n : 1), *b = PyMem_New(Py_UCS4, n ? n : 1);
    if (a == NULL || b == NULL) {
        PyMem_Free(a);
        PyMem_Free(b);
        return PyErr_NoMemory();
    }
    /* 1. _LINK_TEXT.sub(r"\1", text): !?\[([^\]]*)\]\([^)]*\) , leftmost, one pass */
    Py_ssize_t na = 0, k = 0;
    while (k < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if (c == '!' || c == '[') {
            Py_ssize_t open = c == '!' ? k + 1 : k;
            if (open < n && PyUnicode_READ(kind, data, open) == '[') {
                Py_ssize_t close = open + 1;
                while (close < n && PyUnicode_READ(kind, data, close) != ']')
                    close++;
                if (close + 1 < n && PyUnicode_READ(kind, data, close + 1) == '(') {
                    Py_ssize_t end = close + 2;
                    while (end < n && PyUnicode_READ(kind, data, end) != ')')
                        end++;
                    if (end < n) { /* a link: its text */
                        for (Py_ssize_t j = open + 1; j < close; j++)
                            a[na++] = PyUnicode_READ(kind, data, j);
                        k = end + 1;
                        continue;
                    }
                }
            }
        }
        a[na++] = c;
        k++;
    }
    /* 2. _EMPHASIS.sub("", …): [*`~]|(?<!\w)_|_(?!\w) , the neighbours read before removal */
    Py_ssize_t nb = 0;
    for (k = 0; k < na; k++) {
        Py_UCS4 c = a[k];
        if (c == '*' || c == '`' || c == '~')
            continue;
        if (c == '_' && !(k > 0 && IS_WORD(a[k - 1]) && k + 1 < na && IS_WORD(a[k + 1])))
            continue;
        b[nb++] = c;
    }
    /* 3. " ".join(….split()) */
    Py_ssize_t nc = 0;
    int gap = 0;
    for (k = 0; k < nb; k++) {
        if (Py_UNICODE_ISSPACE(b[k])) {
            gap = nc > 0;
            continue;
        }
        if (gap) {
            a[nc++] = ' ';
            gap = 0;
        }
        a[nc++] = b[k];
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, nc);
    PyMem_Free(a);
    PyMem_Free(b);
    return out;
}

PyDoc_STRVAR(strip_markup_doc,
"strip_markup(text)\n--\n\n"
"The plain words of inline Markdown: issue_flow.model.document.strip_markup_python's twin.");

PyDoc_STRVAR(scan_doc,
"scan(lines)\n--\n\n"
"Classify each line (``lines`` may carry their line endings): the compiled twin of\n"
"issue_flow.model.scan.scan_python, with the same result.");

PyDoc_STRVAR(init_doc,
"init(Scan, ItemInfo, TableInfo, HeadingInfo, kinds, html_block_start, raw_open_match,\n"
"     raw_close_search, fallback)\n--\n\n"
"Hand over the record classes, the line kinds (BLANK, FENCE, CODE, HTML, HEADING, TABLE,\n"
"ITEM, QUOTE, HR, TEXT), the HTML helpers called back for lines starting with '<', and\n"
"the Python scanner for inputs that are not a list of str.");

static PyMethodDef cscan_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))cscan_scan, METH_FASTCALL | METH_KEYWORDS, scan_doc},
    {"init", cscan_init, METH_VARARGS, init_doc},
    {"score_matrix", cscan_score_matrix, METH_VARARGS, score_matrix_doc},
    {"bold_lines", cscan_bold_lines, METH_O, bold_lines_doc},
    {"strip_markup", cscan_strip_markup, METH_O, strip_markup_doc},
    {"link_lines", cscan_link_lines, METH_O, link_lines_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cscan_module = {
    PyModuleDef_HEAD_INIT,
    "issue_flow.model._cscan",
    "The compiled line scanner of issue_flow.model.scan (see scan_python there).",
    -1,
    cscan_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__cscan(void)
{
    return PyModule_Create(&cscan_module);
}
