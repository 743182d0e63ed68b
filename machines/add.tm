# ADD: column addition, least significant digit first (the paper's executor).
# Both operand tapes are read left to right; C holds the carry.
machine ADD(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register C in 0..1
  output OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: C := 0; move HEAD1 right; move HEAD2 right; -> q1

  # Both operands done: the last carry goes out only when it is not zero.
  q1 (HEAD1 = _, HEAD2 = _): put C on OUTPUT; finish OUTPUT; finish C; -> qH
  q1 (HEAD1 = x, HEAD2 = y):
      let s = x + y + C; C := s // 10; put s % 10 on OUTPUT; move OUTPUT right;
      move HEAD1 right; move HEAD2 right; -> q1
  # Once an operand is exhausted its head stays put and the paper's command omits it.
  q1 (HEAD1 = x, HEAD2 = _):
      let s = x + C; C := s // 10; put s % 10 on OUTPUT; move OUTPUT right; move HEAD1 right; -> q1
  q1 (HEAD1 = _, HEAD2 = y):
      let s = y + C; C := s // 10; put s % 10 on OUTPUT; move OUTPUT right; move HEAD2 right; -> q1

  command prefix "CMD: "
  render q0 as "ADD, q0, " HEAD1 HEAD2 " [C]" C " " OUTPUT
  render q1 as "ADD, q1,  " HEAD1 " " HEAD2 " [C]" C " " OUTPUT
  render qH as "ADD, qH,  " HEAD1 " " HEAD2 " [C]" C " " digits(OUTPUT)
