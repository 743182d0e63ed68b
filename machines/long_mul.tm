# LONG_MUL: a * b by schoolbook multiplication, least significant digit first. For each digit
# y of the multiplier, MUL_DIGIT makes the partial product A * y, where A is the multiplicand
# already shifted into place (A = a * 10^k at the k-th digit: SHIFT_IN(A, 0) after each
# digit), and ADD adds it into OUTPUT. A 0 digit only shifts A.
# The multiplier is the shorter operand (b unless a is shorter), so the steps grow as
# len(a) * len(b): about 3 * len(a) * len(b) + 1.5 * min(len(a), len(b))^2.
machine LONG_MUL(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register A
  register P
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0 if len(a) >= len(b): A := a; OUTPUT := fill(0, 1); move HEAD2 right; -> q1
  q0 if len(a) < len(b): A := b; OUTPUT := fill(0, 1); move HEAD1 right; -> q4

  # The multiplier is b: walk its digits with HEAD2.
  q1 (HEAD2 = 0): call SHIFT_IN(A, 0) -> A; move HEAD2 right; -> q1
  q1 (HEAD2 = y) if y != 0: call MUL_DIGIT(A, HEAD2) -> P; -> q2
  q1 (HEAD2 = _): -> qH
  q2: call ADD(OUTPUT, P) -> OUTPUT; -> q3
  q3: call SHIFT_IN(A, 0) -> A; move HEAD2 right; -> q1

  # The multiplier is a (the shorter one): the same loop on HEAD1.
  q4 (HEAD1 = 0): call SHIFT_IN(A, 0) -> A; move HEAD1 right; -> q4
  q4 (HEAD1 = x) if x != 0: call MUL_DIGIT(A, HEAD1) -> P; -> q5
  q4 (HEAD1 = _): -> qH
  q5: call ADD(OUTPUT, P) -> OUTPUT; -> q6
  q6: call SHIFT_IN(A, 0) -> A; move HEAD1 right; -> q4
