# DIV: a // b by repeated addition, the paper's way: COUNT runs through b, 2b, 3b, … and
# OUTPUT counts the steps until COUNT > a. Steps grow with the quotient (see long_div).
machine DIV(a, b)
  register COUNT
  register OUTPUT
  register GT
  result OUTPUT
  start q0
  halt qH
  require b != 0 else "division by zero"
  # q additions: 3q + 2 steps; the draws keep q small (caef compile --max-quotient replaces 30)
  sample a // b <= 30

  q0: COUNT := b; OUTPUT := 0; -> q1
  q1: call GREATER_THAN(COUNT, a) -> GT; -> q2 if not GT else qH
  q2: call ADD(OUTPUT, 1) -> OUTPUT; -> q3
  q3: call ADD(b, COUNT) -> COUNT; -> q1

  render q0, q1, q2, q3 as "DIV, " state ", [HEAD1]" digits(a) " [HEAD2]" digits(b) " [COUNT]" digits(COUNT) " [OUTPUT]" digits(OUTPUT)
  render qH as "DIV, qH, [HEAD1]" digits(a) " [HEAD2]" digits(b) " [COUNT]" digits(COUNT) " " digits(OUTPUT)
