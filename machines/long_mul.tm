# LONG_MUL: a * b by schoolbook multiplication, least significant digit first. For each digit
# y of the multiplier, MUL_DIGIT makes the partial product A * y, where A is the multiplicand
# already shifted into place (A = a * 10^k at the k-th digit: SHIFT_IN(A, 0) after each
# digit), and ADD adds it into OUTPUT. A 0 digit only shifts A.
# The multiplier is the smaller operand (b unless a < b), so it is never the longer one and
# the steps grow as len(a) * len(b): about 3 * len(a) * len(b) + 1.5 * min(len(a), len(b))^2.
# LESS_THAN decides which, so the finite control reads a call's True/False, not the numbers.
machine LONG_MUL(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register LT
  register A
  register P
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: call LESS_THAN(a, b) -> LT; -> q1
  q1 if not LT: A := a; OUTPUT := fill(0, 1); move HEAD2 right; -> q2
  q1 if LT: A := b; OUTPUT := fill(0, 1); move HEAD1 right; -> q5

  # The multiplier is b: walk its digits with HEAD2.
  q2 (HEAD2 = 0): call SHIFT_IN(A, 0) -> A; move HEAD2 right; -> q2
  q2 (HEAD2 = y) if y != 0: call MUL_DIGIT(A, HEAD2) -> P; -> q3
  q2 (HEAD2 = _): -> qH
  q3: call ADD(OUTPUT, P) -> OUTPUT; -> q4
  q4: call SHIFT_IN(A, 0) -> A; move HEAD2 right; -> q2

  # The multiplier is a (the smaller one): the same loop on HEAD1.
  q5 (HEAD1 = 0): call SHIFT_IN(A, 0) -> A; move HEAD1 right; -> q5
  q5 (HEAD1 = x) if x != 0: call MUL_DIGIT(A, HEAD1) -> P; -> q6
  q5 (HEAD1 = _): -> qH
  q6: call ADD(OUTPUT, P) -> OUTPUT; -> q7
  q7: call SHIFT_IN(A, 0) -> A; move HEAD1 right; -> q5
