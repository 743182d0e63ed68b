# REDUCE: one step of evaluating an expression text: the first operation whose operands are
# both numbers and that is ready — the operator after its right operand binds no tighter (or
# there is none, or a `)`) — is carried out by its machine, or the first `(n)` loses its
# parentheses; the rest of the text is copied. Every character read is copied to OUT; at a
# ready operation the head of OUT walks back over `a op b`, writing b's digits to B and a's to
# A (walking back reads them least significant first, as a number's tape holds them), DECIMAL
# writes the result as text, and it goes on OUT in their place.
machine REDUCE(t)
  text t
  head H on t
  output OUT
  text OUT
  output A
  output B
  register OP in 0..4
  register R
  register V
  result OUT
  start q0
  halt qH

  q0: move H right; -> free
  # An operand is next: a number, or a parenthesis.
  free (H = x): put x on OUT; move OUT right; move H right; -> number
  free (H = "("): put H on OUT; move OUT right; move H right; -> free
  # In a number with no operator before it (at the start, after `(`).
  number (H = x): put x on OUT; move OUT right; move H right; -> number
  number (H = "+-"): put H on OUT; move OUT right; move H right; -> low
  number (H = "*%"): put H on OUT; move OUT right; move H right; -> high
  number (H = "/"): put H on OUT; move OUT right; move H right; -> slash
  number (H = ")"): move H right; -> unwrap
  slash (H = "/"): put H on OUT; move OUT right; move H right; -> high
  # After + or -: the right operand, ready unless * // % follows it.
  low (H = x): put x on OUT; move OUT right; move H right; -> after_low
  low (H = "("): put H on OUT; move OUT right; move H right; -> free
  after_low (H = x): put x on OUT; move OUT right; move H right; -> after_low
  after_low (H = "+-)"): -> right
  after_low (H = _): -> right
  after_low (H = "*%"): put H on OUT; move OUT right; move H right; -> high
  after_low (H = "/"): put H on OUT; move OUT right; move H right; -> slash
  # After * // %: the right operand, ready at whatever follows it.
  high (H = x): put x on OUT; move OUT right; move H right; -> after_high
  high (H = "("): put H on OUT; move OUT right; move H right; -> free
  after_high (H = x): put x on OUT; move OUT right; move H right; -> after_high
  after_high (H = "+-*/%)"): -> right
  after_high (H = _): -> right

  # Ready: OUT ends with `a op b`. Walk back over b, the operator, then a.
  right (OUT = x): put x on B; move B right; move OUT left; -> right
  right (OUT = "+"): OP := 0; move OUT left; -> left
  right (OUT = "-"): OP := 1; move OUT left; -> left
  right (OUT = "*"): OP := 2; move OUT left; -> left
  right (OUT = "/"): OP := 3; move OUT left; move OUT left; -> left
  right (OUT = "%"): OP := 4; move OUT left; -> left
  left (OUT = x): put x on A; move A right; move OUT left; -> left
  left (OUT = "(+-*/%"): finish A; finish B; -> operate
  left (OUT = ^): finish A; finish B; -> operate
  operate if OP == 0: call ADD(A, B) -> R; -> print
  operate if OP == 1: call SUB(A, B) -> R; -> print
  operate if OP == 2: call LONG_MUL(A, B) -> R; -> print
  operate if OP == 3: call LONG_DIV(A, B) -> R; -> print
  operate if OP == 4: call LONG_MOD(A, B) -> R; -> print

  # `(n)`: walk back over n to the `(`, which goes; n is written again.
  unwrap (OUT = x): put x on B; move B right; move OUT left; -> unwrap
  unwrap (OUT = "("): finish B; move OUT left; -> unwrapped
  unwrapped: call DECIMAL(B) -> V; -> splice

  print: call DECIMAL(R) -> V; -> splice
  splice: put V on OUT; move OUT right; -> rest
  rest (H = x): put x on OUT; move OUT right; move H right; -> rest
  rest (H = "+-*/%()"): put H on OUT; move OUT right; move H right; -> rest
  rest (H = _): finish OUT; -> qH

  render q0, free, number, slash, low, after_low, high, after_high, right, left, operate, unwrap, unwrapped, print, splice, rest as "REDUCE, " state ", " H " " OUT " " A " " B " [OP]" OP
  render qH as "REDUCE, qH, " H " " OUT
