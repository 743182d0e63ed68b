# MUL: a * b by repeated addition, the paper's way: OUTPUT starts at a and COUNT at 1; while
# COUNT < b, add a to OUTPUT and 1 to COUNT. Steps grow with the value of b (see long_mul).
machine MUL(a, b)
  register COUNT
  register OUTPUT
  register LT
  result OUTPUT
  start q0
  halt qH
  # b additions: 3b - 1 steps; the draws keep b small (caef compile --max-b replaces 30)
  sample b <= 30

  q0 if b != 0: COUNT := 1; OUTPUT := a; -> q1
  # a*0 is 0 (the paper's machine returns a): start from b = 0; the first test ends the loop.
  q0 if b == 0: COUNT := 1; OUTPUT := b; -> q1
  q1: call LESS_THAN(COUNT, b) -> LT; -> q2 if LT else qH
  q2: call ADD(a, OUTPUT) -> OUTPUT; -> q3
  q3: call ADD(COUNT, 1) -> COUNT; -> q1

  render q0, q1, q2, q3 as "MUL, " state ", [HEAD1]" digits(a) " [HEAD2]" digits(b) " [COUNT]" digits(COUNT) " [OUTPUT]" digits(OUTPUT)
  render qH as "MUL, qH, [HEAD1]" digits(a) " [HEAD2]" digits(b) " [COUNT]" digits(COUNT) " " digits(OUTPUT)
