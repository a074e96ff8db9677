"""Custom formula box: why a typed formula was refused.

One key per `surfaces.formula.FormulaError` code, "fx_" + code, with that error's
`params` as placeholders:  t("fx_" + err.code, lang, **err.params).  The English
texts are the errors' own messages."""

from surfaces.formula import MESSAGES

# the English texts are the errors' own messages, taken from where they are written
EN = {f"fx_{code}": message for code, message in MESSAGES.items()}

ZH = {
    "fx_empty": "公式为空",
    "fx_too_long": "公式太长（{length} 个字符，最多 {limit} 个）",
    "fx_non_ascii": "第 {col} 列有非 ASCII 字符 '{char}'（{codepoint} {uname}）：请用半角英文字母、数字和符号输入公式",
    "fx_bad_char": "第 {col} 列有意外的字符 '{char}'",
    "fx_string": "公式中不允许使用字符串（第 {col} 列的引号）",
    "fx_attribute": "不允许访问属性（第 {col} 列的 '.'）",
    "fx_subscript": "不允许使用方括号 '[ ]'（下标、列表）（第 {col} 列）",
    "fx_assignment": "第 {col} 列不允许使用 '='：只需输入等号右边的部分，例如 x^2 + y^2",
    "fx_comparison": "第 {col} 列不允许使用比较运算 '{op}'",
    "fx_bad_operator": "第 {col} 列的运算符 '{op}' 不受支持",
    "fx_keyword": "公式中不允许使用 '{name}'（第 {col} 列）",
    "fx_unknown_name": "未知名称 '{name}'（第 {col} 列）",
    "fx_not_callable": "'{name}' 不是函数（第 {col} 列）",
    "fx_needs_call": "'{name}' 是函数：请写成 {name}(...)（第 {col} 列）",
    "fx_arity": "{name}() 的参数个数不对：给了 {got} 个，需要 {expected} 个（第 {col} 列）",
    "fx_missing_operator": "第 {col} 列的 '{token}' 前缺少运算符（请写 2*x，而不是 2x）",
    "fx_unexpected_token": "第 {col} 列出现了意外的 '{token}'",
    "fx_unexpected_end": "公式不完整，在第 {col} 列提前结束",
    "fx_unclosed_paren": "第 {col} 列的 '(' 没有闭合",
    "fx_unmatched_paren": "第 {col} 列的 ')' 没有与之配对的 '('",
    "fx_number_too_large": "第 {col} 列的数 {token} 太大（绝对值最多为 {limit}）",
    "fx_too_deep": "公式嵌套太深（第 {col} 列，最多 {limit} 层）",
    "fx_too_many_nodes": "公式太大（超过 {limit} 个组成部分）",
    "fx_exponent_not_constant": "第 {col} 列 '{op}' 的指数必须是一个普通数字，例如 x^2 或 x^-0.5",
    "fx_exponent_too_large": "第 {col} 列 '{op}' 的指数太大（绝对值最多为 {limit}）",
    "fx_cannot_evaluate": "无法计算这个公式",
    "fx_undefined_everywhere": "这个公式在整个区域内都没有定义（取不到有限值）",
    "fx_bad_box": "区域必须是四个有限的数 x_min,x_max,y_min,y_max，且 x_min < x_max、y_min < y_max、绝对值不超过 {limit}",
    "fx_bad_start": "起点必须是区域内的有限点",
    "fx_bad_grid": "网格大小必须是 2 到 {limit} 之间的整数，当前为 {n}",
}
