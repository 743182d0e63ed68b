# SUB_BORROW: a - b for a >= b in one pass, least significant digit first, with a borrow
# register B — leaner than SUB (nines' complement, two additions and LEFT_MASK). LONG_DIV
# and LONG_MOD subtract with it. Leading zeros of the difference are trimmed at the end.
machine SUB_BORROW(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register B in 0..1
  output OUTPUT
  result OUTPUT
  start q0
  halt qH
  require a >= b else "SUB_BORROW computes a - b for a >= b only"

  q0: B := 0; move HEAD1 right; move HEAD2 right; -> q1

  # s is the column's difference plus 10: a borrow is needed when s < 10.
  q1 (HEAD1 = x, HEAD2 = y):
      let s = x - y - B + 10; B := 1 - s // 10; put s % 10 on OUTPUT; move OUTPUT right;
      move HEAD1 right; move HEAD2 right; -> q1
  q1 (HEAD1 = x, HEAD2 = _):
      let s = x - B + 10; B := 1 - s // 10; put s % 10 on OUTPUT; move OUTPUT right;
      move HEAD1 right; -> q1
  # Done (a >= b, so b never outlasts a and no borrow is left); trim the zeros on top.
  q1 (HEAD1 = _, HEAD2 = _, OUTPUT = d) if d != 0: finish OUTPUT; -> qH
  q1 (HEAD1 = _, HEAD2 = _, OUTPUT = 0): move OUTPUT left; -> q2
  q2 (OUTPUT = 0): move OUTPUT left; -> q2
  q2 (OUTPUT = d) if d != 0: finish OUTPUT; -> qH
  q2 (OUTPUT = ^): finish OUTPUT; -> qH
