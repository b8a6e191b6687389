"""What the WeChat channel itself says to citizens (everything else comes from the Rasa dialogue)."""

from __future__ import annotations

WELCOME = (
    "您好，欢迎关注“一次办”政务服务助手！我可以帮您：\n"
    "1. 查办事指南：要带哪些材料、去哪里办、几点上班、多久办好、收不收费、能不能网上办；\n"
    "2. 查办件进度：告诉我受理编号和验证信息就行。\n"
    "直接发文字问我，例如“身份证丢了怎么补办”“公积金怎么取”。看到带编号的选项时，回复数字即可选择。"
)
VOICE_UNCLEAR = "抱歉，这段语音我没有听清。请打字或重说一遍，例如“身份证丢了怎么补办”。"
NOT_TEXT = "收到啦！不过我暂时只能看懂文字。请用文字告诉我您想办什么事，例如“身份证丢了怎么补办”。"
UNKNOWN = "抱歉，这类消息我暂时处理不了。请用文字告诉我您想办什么事，例如“公积金怎么取”。"
FAILED = "抱歉，处理您的消息时出了点问题，请稍后再试；着急的话请拨打 {hotline} 政务服务便民热线。"
