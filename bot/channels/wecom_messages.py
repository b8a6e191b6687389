"""What the WeCom customer-service channel itself says to citizens (everything else comes from Rasa)."""

from __future__ import annotations

WELCOME = ("您好！我是“一次办”政务服务助手。请告诉我您想办什么事，比如“身份证丢了怎么补办”“公积金怎么取”，"
           "我会告诉您要带什么、去哪里办。")
NOT_TEXT = ("抱歉，我暂时还看不懂图片、语音、文件和位置等消息。请用文字告诉我您想办的事，"
            "例如“身份证丢了怎么补办”，我马上为您解答。")
TOO_LONG = ("您的消息有点长（超过{max_chars}字），我一次读不完。请分几句发送，"
            "每句说一件事，例如先说要办什么事，再说您的情况。")
EMPTY = "您好像还没有输入内容。请告诉我您想办什么事，例如“身份证丢了怎么补办”“公积金怎么取”。"
CANNOT_PROCESS = ("抱歉，处理您的消息时出了点问题，消息没有处理成功，请稍后再试；"
                  "着急的话请拨打 {hotline} 政务服务便民热线。")
SLOW = "抱歉，系统有点忙，这次没能及时回答您，请稍后再问一次；着急的话请拨打 {hotline} 政务服务便民热线。"
CUT_SHORT = "（平台限制了连续回复的条数，还有部分内容没能发出。请再发一条消息，我接着为您解答。）"
NOT_CONFIGURED = "抱歉，企业微信客服通道尚未配置完成，暂时无法提供服务。"
REFUSED = "请求无法验证，已拒绝。"
MALFORMED = "请求格式不正确。"
TOO_LARGE = "请求内容过大。"
