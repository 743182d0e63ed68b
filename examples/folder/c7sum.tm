# C7SUM: the 7 digits of a and of b together, by COUNT7 (in count7.tm, beside this file) and ADD (machines/).
machine C7SUM(a, b)
  register X
  register Y
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: call COUNT7(a) -> X; -> q1
  q1: call COUNT7(b) -> Y; -> q2
  q2: call ADD(X, Y) -> OUTPUT; -> qH
