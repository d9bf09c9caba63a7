package ops

